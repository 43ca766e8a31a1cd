import GRUTensor
import GRUTestSupport
import Testing

/// The shared comparison (Tests/GRUTestSupport) fails where it must: it lives in a plain target,
/// so its own tests sit here, beside the `Tensor` it compares.
@Suite(.tags(.unit))
struct ApproximateEqualityTests {
    /// Whether `issue` is a recorded comment containing every fragment.
    static func says(_ issue: Issue, _ fragments: [String]) -> Bool {
        let text = issue.comments.map(\.rawValue).joined(separator: " ")
        return fragments.allSatisfy { text.contains($0) }
    }

    @Test func eachElementIsJudgedAgainstItsOwnMagnitude() {
        // 1e-3 off on an element of 1e-3: a tolerance scaled by the largest value (1000) would
        // pass it; per element it is 100% off.
        let expected: [Double] = [1000, 1e-3, 1]
        expectApproximatelyEqual(
            [1000.05, 1e-3, 1] as [Float], expected, absoluteTolerance: 1e-6, relativeTolerance: 1e-4)
        withKnownIssue {
            expectApproximatelyEqual(
                [1000, 2e-3, 1] as [Float], expected, absoluteTolerance: 1e-6, relativeTolerance: 1e-4)
        } matching: { Self.says($0, ["1 of 3 elements differ", "[1]"]) }
    }

    @Test func theAbsoluteToleranceCoversZeros() {
        expectApproximatelyEqual([1e-7, -1e-7], [0, 0], absoluteTolerance: 1e-6, relativeTolerance: 1e-3)
        withKnownIssue {
            expectApproximatelyEqual([1e-5, 0], [0, 0], absoluteTolerance: 1e-6, relativeTolerance: 1e-3)
        } matching: { Self.says($0, ["[0]", "absoluteTolerance 1e-06"]) }
    }

    @Test func theWorstElementIsReportedWithItsMultiIndex() {
        let expected = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let actual = Tensor(shape: [2, 3], scalars: [1.1, 2, 3, 4, 9, 6])
        withKnownIssue {
            expectApproximatelyEqual(actual, expected, absoluteTolerance: 1e-6, relativeTolerance: 1e-3, "output")
        } matching: { Self.says($0, ["output: 2 of 6 elements differ", "[4] (1, 1), is 9.0", "expected 5.0"]) }
    }

    @Test func shapesAndCountsAreCheckedFirst() {
        withKnownIssue {
            expectApproximatelyEqual(
                Tensor(shape: [2, 3], repeating: 1), Tensor(shape: [3, 2], repeating: 1), absoluteTolerance: 1, "h")
        } matching: { Self.says($0, ["h: shape [2, 3], expected [3, 2]"]) }
        withKnownIssue {
            expectApproximatelyEqual([1, 2] as [Float], [1, 2, 3] as [Float], absoluteTolerance: 1)
        } matching: { Self.says($0, ["2 elements, expected 3"]) }
    }

    @Test func nanNeverAgreesAndEqualInfinitiesDo() {
        expectApproximatelyEqual([Float.infinity, -.infinity], [Double.infinity, -.infinity], absoluteTolerance: 0)
        withKnownIssue {
            expectApproximatelyEqual(Float.nan, Double.nan, absoluteTolerance: 1, "loss")
        } matching: { Self.says($0, ["loss: 1 of 1 elements differ"]) }
    }
}
