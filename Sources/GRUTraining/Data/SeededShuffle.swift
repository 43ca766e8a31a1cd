import GRUTensor

/// `elements` in a random order drawn from `generator` (Fisher-Yates).
///
/// Written out rather than `shuffled(using:)` because the standard library does not promise the
/// same order for the same generator across Swift versions; this does, so a seed names one
/// order everywhere.
func seededShuffle<T>(_ elements: [T], using generator: inout SeededGenerator) -> [T] {
    var result = elements
    guard result.count > 1 else { return result }
    for index in stride(from: result.count - 1, to: 0, by: -1) {
        let other = randomIndex(below: index + 1, using: &generator)
        result.swapAt(index, other)
    }
    return result
}

/// A uniform integer in 0..<bound, by rejection so no value is favoured.
func randomIndex(below bound: Int, using generator: inout SeededGenerator) -> Int {
    precondition(bound > 0, "bound must be positive")
    let range = UInt64(bound)
    // Reject the top partial copy of the range so every residue is equally likely.
    let limit = UInt64.max - UInt64.max % range
    while true {
        let value = generator.next()
        if value < limit { return Int(value % range) }
    }
}
