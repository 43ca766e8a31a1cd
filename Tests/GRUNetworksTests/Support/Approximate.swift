import GRUTensor
import Testing

/// Checks that `actual` matches `expected` element by element: shapes first, then
/// |a - e| <= absoluteTolerance + relativeTolerance * scale, where scale is the largest
/// magnitude in `expected` (the "relative to the tensor's largest magnitude" rule).
func expectApproximatelyEqual(
    _ actual: [Float], _ expected: [Double], shape: [Int]? = nil, expectedShape: [Int]? = nil,
    absoluteTolerance: Double, relativeTolerance: Double = 0, _ name: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    if let shape, let expectedShape, shape != expectedShape {
        Issue.record("\(name): shape \(shape), expected \(expectedShape)", sourceLocation: sourceLocation)
        return
    }
    guard actual.count == expected.count else {
        Issue.record("\(name): \(actual.count) elements, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    let scale = expected.map(abs).max() ?? 0
    let tolerance = absoluteTolerance + relativeTolerance * scale
    var failures = 0
    for (index, (a, e)) in zip(actual, expected).enumerated() where !(abs(Double(a) - e) <= tolerance) {
        failures += 1
        if failures <= 3 {
            Issue.record(
                "\(name)[\(index)] = \(a), expected \(e) (difference \(abs(Double(a) - e)), tolerance \(tolerance))",
                sourceLocation: sourceLocation)
        }
    }
    if failures > 3 {
        Issue.record("\(name): \(failures) elements out of tolerance in all", sourceLocation: sourceLocation)
    }
}

/// Tensor-to-tensor form of `expectApproximatelyEqual`.
func expectApproximatelyEqual(
    _ actual: Tensor, _ expected: Tensor, absoluteTolerance: Double, relativeTolerance: Double = 0,
    _ name: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    expectApproximatelyEqual(
        actual.scalars, expected.scalars.map(Double.init), shape: actual.shape,
        expectedShape: expected.shape, absoluteTolerance: absoluteTolerance,
        relativeTolerance: relativeTolerance, name, sourceLocation: sourceLocation)
}
