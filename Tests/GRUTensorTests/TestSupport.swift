import GRUTestSupport
import Testing

/// The old fast-vs-twin comparison, kept only so that tests written against it on other branches
/// still compile; it forwards to the shared per-element rule with `tolerance` as both tolerances.
@available(*, deprecated, message: "use expectApproximatelyEqual(_:_:absoluteTolerance:relativeTolerance:_:)")
func expectClose(
    _ fast: [Float], _ naive: [Float], _ name: String, tolerance: Float,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expectApproximatelyEqual(
        fast, naive, absoluteTolerance: Double(tolerance), relativeTolerance: Double(tolerance), name,
        sourceLocation: sourceLocation)
}
