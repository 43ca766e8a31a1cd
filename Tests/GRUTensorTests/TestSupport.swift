import Testing

/// Records the first element where a fast kernel's result and its twin's differ by more than
/// `tolerance`, relative to the twin's value where that is above 1 and absolute below.
func expectClose(
    _ fast: [Float], _ naive: [Float], _ name: String, tolerance: Float,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(fast.count == naive.count, "\(name): \(fast.count) values, twin \(naive.count)", sourceLocation: sourceLocation)
    for (index, (a, b)) in zip(fast, naive).enumerated() where abs(a - b) > tolerance * max(1, abs(b)) {
        Issue.record("\(name)[\(index)]: fast \(a), twin \(b)", sourceLocation: sourceLocation)
        return
    }
}
