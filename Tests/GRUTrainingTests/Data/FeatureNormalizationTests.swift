import Foundation
import GRUTestSupport
import Testing

@testable import GRUTraining

@Suite("FeatureNormalization", .tags(.unit))
struct FeatureNormalizationTests {
    // Rows (N = 3, F = 2); the second feature is constant.
    let rows: [Float] = [1, 10, 3, 10, 5, 10]

    @Test("fits population statistics; a constant feature gets deviation 1")
    func fitting() {
        let normalization = FeatureNormalization(fitting: rows, featureCount: 2)
        expectApproximatelyEqual(normalization.means, [3, 10], absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        expectApproximatelyEqual(
            normalization.standardDeviations, [(8.0 / 3.0 as Float).squareRoot(), 1],
            absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
    }

    @Test("normalizes and maps back")
    func roundTrip() {
        let normalization = FeatureNormalization(fitting: rows, featureCount: 2)
        let deviation = (8.0 / 3.0 as Float).squareRoot()
        let normalized = normalization.normalized(rows)
        expectApproximatelyEqual(
            normalized, [-2 / deviation, 0, 0, 0, 2 / deviation, 0], absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        expectApproximatelyEqual(
            normalization.denormalized(normalized), rows, absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
    }

    @Test("stays accurate for values with a large offset")
    func largeOffset() {
        // Both values are exact in Float; a one-pass sum of squares in Float would lose the spread.
        let normalization = FeatureNormalization(fitting: [100_000_000, 100_000_016], featureCount: 1)
        expectApproximatelyEqual(normalization.means, [100_000_008], absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        expectApproximatelyEqual(
            normalization.standardDeviations, [8], absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
    }

    @Test("selects features for the forecast targets")
    func selecting() {
        let normalization = FeatureNormalization(means: [1, 2, 3], standardDeviations: [4, 5, 6])
        #expect(normalization.selecting([2, 0]) == FeatureNormalization(means: [3, 1], standardDeviations: [6, 4]))
    }

    @Test("round-trips through JSON and rejects non-positive deviations")
    func codable() throws {
        let normalization = FeatureNormalization(fitting: rows, featureCount: 2)
        #expect(
            try JSONDecoder().decode(FeatureNormalization.self, from: JSONEncoder().encode(normalization))
                == normalization)
        for bad in [#"{"means":[0],"standardDeviations":[0]}"#, #"{"means":[0,1],"standardDeviations":[1]}"#] {
            #expect(throws: DecodingError.self) {
                try JSONDecoder().decode(FeatureNormalization.self, from: Data(bad.utf8))
            }
        }
    }
}
