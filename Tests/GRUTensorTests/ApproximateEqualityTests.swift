import GRUTensor
import GRUTestSupport
import Testing

/// The shared comparison (Tests/GRUTestSupport) fails where it must: it lives in a plain target,
/// so its own tests sit here, beside the `Tensor` it compares. They read the message that
/// `expectApproximatelyEqual` would record, so that nothing here is a recorded issue.
@Suite(.tags(.unit))
struct ApproximateEqualityTests {
    @Test func eachElementIsJudgedAgainstItsOwnMagnitude() throws {
        // 1e-3 off on an element of 1e-3: a tolerance scaled by the largest value (1000) would
        // pass it; per element it is 100% off.
        let expected: [Double] = [1000, 1e-3, 1]
        #expect(
            approximateEqualityFailure(
                [1000.05, 1e-3, 1] as [Float], expected, absoluteTolerance: 1e-6, relativeTolerance: 1e-4) == nil)
        let failure = try #require(
            approximateEqualityFailure(
                [1000, 2e-3, 1] as [Float], expected, absoluteTolerance: 1e-6, relativeTolerance: 1e-4))
        #expect(failure.hasPrefix("values: 1 of 3 elements differ; the worst, [1], is 0.002"), "\(failure)")
    }

    @Test func theAbsoluteToleranceCoversZeros() throws {
        #expect(
            approximateEqualityFailure([1e-7, -1e-7], [0, 0], absoluteTolerance: 1e-6, relativeTolerance: 1e-3) == nil)
        let failure = try #require(
            approximateEqualityFailure([1e-5, 0], [0, 0], absoluteTolerance: 1e-6, relativeTolerance: 1e-3, "h"))
        #expect(failure.contains("h: 1 of 2 elements differ; the worst, [0]"), "\(failure)")
        #expect(failure.contains("max(absoluteTolerance 1e-06, relativeTolerance 0.001 * 1e-05)"), "\(failure)")
    }

    @Test func theWorstElementIsReportedWithItsMultiIndex() throws {
        let expected = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let actual = Tensor(shape: [2, 3], scalars: [1.1, 2, 3, 4, 9, 6])
        let failure = try #require(
            approximateEqualityFailure(actual, expected, absoluteTolerance: 1e-6, relativeTolerance: 1e-3, "output"))
        #expect(failure.hasPrefix("output: 2 of 6 elements differ; the worst, [4] (1, 1), is 9.0, expected 5.0"))
    }

    @Test func shapesAndCountsAreCheckedFirst() {
        let h = approximateEqualityFailure(
            Tensor(shape: [2, 3], repeating: 1), Tensor(shape: [3, 2], repeating: 1), absoluteTolerance: 1, "h")
        #expect(h == "h: shape [2, 3], expected [3, 2]")
        #expect(
            approximateEqualityFailure([1, 2] as [Float], [1, 2, 3] as [Float], absoluteTolerance: 1)
                == "values: 2 elements, expected 3")
    }

    @Test func nanNeverAgreesAndEqualInfinitiesDo() {
        let infinities: [Float] = [.infinity, -.infinity]
        #expect(approximateEqualityFailure(infinities, infinities, absoluteTolerance: 0) == nil)
        #expect(approximateEqualityFailure([Float.nan], [Double.nan], absoluteTolerance: 1)?.contains("1 of 1") == true)
        #expect(approximateEqualityFailure([Float.infinity], [1e300], absoluteTolerance: 1)?.contains("1 of 1") == true)
    }
}
