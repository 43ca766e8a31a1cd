import GRUTensor
import RealModule
import Testing

// The one numeric comparison of the test suite. Each element is held to swift-numerics' rule,
//     |a - e| <= max(absoluteTolerance, relativeTolerance * max(|a|, |e|)),
// so a tolerance never grows with the largest value of a tensor: an error in a small element is
// judged against that element's own size (or the absolute floor), not hidden by a large neighbour.
// Equal infinities agree; a NaN agrees with nothing.

// MARK: - Expectations: tensors, arrays and scalars

/// Expects two tensors to have the same shape and, element by element, to agree within
/// `max(absoluteTolerance, relativeTolerance * max(|a|, |e|))`; one issue at the caller names how
/// many elements differ and the worst of them.
///
/// - Parameters:
///   - actual: the value the code under test computed.
///   - expected: the reference (a fixture, a naive twin, finite differences).
///   - absoluteTolerance: the floor of the allowed difference, for elements near zero.
///   - relativeTolerance: the allowed difference as a fraction of the larger magnitude of the pair,
///     in [0, 1].
///   - name: what is compared, for the failure message.
///   - sourceLocation: where the failure is reported; the caller's line by default.
public func expectApproximatelyEqual(
    _ actual: Tensor, _ expected: Tensor, absoluteTolerance: Double, relativeTolerance: Double = 0,
    _ name: String = "tensor", sourceLocation: SourceLocation = #_sourceLocation
) {
    if let failure = approximateEqualityFailure(
        actual, expected, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance, name)
    {
        Issue.record(Comment(rawValue: failure), sourceLocation: sourceLocation)
    }
}

/// Expects two arrays (of `Float` or `Double`, in any mix) to have the same count and, element by
/// element, to agree within `max(absoluteTolerance, relativeTolerance * max(|a|, |e|))`.
///
/// The parameters are those of the `Tensor` form.
public func expectApproximatelyEqual<Actual: BinaryFloatingPoint, Expected: BinaryFloatingPoint>(
    _ actual: [Actual], _ expected: [Expected], absoluteTolerance: Double, relativeTolerance: Double = 0,
    _ name: String = "values", sourceLocation: SourceLocation = #_sourceLocation
) {
    if let failure = approximateEqualityFailure(
        actual, expected, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance, name)
    {
        Issue.record(Comment(rawValue: failure), sourceLocation: sourceLocation)
    }
}

/// Expects two numbers to agree within `max(absoluteTolerance, relativeTolerance * max(|a|, |e|))`.
///
/// The parameters are those of the `Tensor` form.
public func expectApproximatelyEqual<Actual: BinaryFloatingPoint, Expected: BinaryFloatingPoint>(
    _ actual: Actual, _ expected: Expected, absoluteTolerance: Double, relativeTolerance: Double = 0,
    _ name: String = "value", sourceLocation: SourceLocation = #_sourceLocation
) {
    expectApproximatelyEqual(
        [actual], [expected], absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance, name,
        sourceLocation: sourceLocation)
}

// MARK: - The comparison

/// The message an expectation records for `actual` against `expected`, or nil when they agree:
/// a shape mismatch, or how many elements differ with the worst one (flat index, multi-index,
/// both values, its difference and bound, the tolerances).
///
/// The parameters are those of `expectApproximatelyEqual`.
public func approximateEqualityFailure(
    _ actual: Tensor, _ expected: Tensor, absoluteTolerance: Double, relativeTolerance: Double = 0,
    _ name: String = "tensor"
) -> String? {
    guard actual.shape == expected.shape else { return "\(name): shape \(actual.shape), expected \(expected.shape)" }
    return elementsFailure(
        doubles(actual.scalars), doubles(expected.scalars), shape: actual.shape, absoluteTolerance: absoluteTolerance,
        relativeTolerance: relativeTolerance, name)
}

/// The message an expectation records for the arrays `actual` and `expected`, or nil when they
/// agree: a count mismatch, or how many elements differ with the worst one.
///
/// The parameters are those of `expectApproximatelyEqual`.
public func approximateEqualityFailure<Actual: BinaryFloatingPoint, Expected: BinaryFloatingPoint>(
    _ actual: [Actual], _ expected: [Expected], absoluteTolerance: Double, relativeTolerance: Double = 0,
    _ name: String = "values"
) -> String? {
    guard actual.count == expected.count else { return "\(name): \(actual.count) elements, expected \(expected.count)" }
    return elementsFailure(
        doubles(actual), doubles(expected), shape: nil, absoluteTolerance: absoluteTolerance,
        relativeTolerance: relativeTolerance, name)
}

/// Compares equal-length arrays with swift-numerics' `isApproximatelyEqual`; `shape` (when given)
/// turns the worst element's flat index into a multi-index.
private func elementsFailure(
    _ actual: [Double], _ expected: [Double], shape: [Int]?, absoluteTolerance: Double, relativeTolerance: Double,
    _ name: String
) -> String? {
    precondition(
        absoluteTolerance >= 0 && absoluteTolerance.isFinite && relativeTolerance >= 0 && relativeTolerance <= 1,
        "tolerances must be finite, non-negative, and the relative one at most 1")
    var failures = 0
    var worst: (index: Int, excess: Double)?
    for index in actual.indices {
        let a = actual[index], e = expected[index]
        guard !a.isApproximatelyEqual(to: e, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance)
        else { continue }
        failures += 1
        // How many times its own bound the difference is; a NaN or infinite difference is the worst.
        let difference = abs(a - e)
        let excess = difference.isFinite ? difference / bound(a, e, absoluteTolerance, relativeTolerance) : .infinity
        if worst == nil || excess > worst!.excess { worst = (index, excess) }
    }
    guard let worst else { return nil }
    let a = actual[worst.index], e = expected[worst.index]
    let position = shape.map { " \(multiIndex(worst.index, in: $0))" } ?? ""
    return """
        \(name): \(failures) of \(actual.count) elements differ; the worst, [\(worst.index)]\(position), is \(a), \
        expected \(e): difference \(abs(a - e)) > \(bound(a, e, absoluteTolerance, relativeTolerance)) = \
        max(absoluteTolerance \(absoluteTolerance), relativeTolerance \(relativeTolerance) * \(max(abs(a), abs(e))))
        """
}

/// `values` widened to Double (exactly, for Float and Double).
private func doubles<Value: BinaryFloatingPoint>(_ values: [Value]) -> [Double] {
    var result: [Double] = []
    result.reserveCapacity(values.count)
    // A loop, not `map(Double.init)`: that closure captures the generic metatype, which Swift 6
    // flags as not Sendable.
    for value in values { result.append(Double(value)) }
    return result
}

/// The largest difference the rule allows between `a` and `e`.
private func bound(_ a: Double, _ e: Double, _ absoluteTolerance: Double, _ relativeTolerance: Double) -> Double {
    max(absoluteTolerance, relativeTolerance * max(abs(a), abs(e)))
}

/// The row-major multi-index of flat index `index` in `shape`, e.g. (1, 0, 3).
private func multiIndex(_ index: Int, in shape: [Int]) -> String {
    var rest = index
    var parts = [Int](repeating: 0, count: shape.count)
    for axis in shape.indices.reversed() where shape[axis] > 0 {
        parts[axis] = rest % shape[axis]
        rest /= shape[axis]
    }
    return "(" + parts.map(String.init).joined(separator: ", ") + ")"
}
