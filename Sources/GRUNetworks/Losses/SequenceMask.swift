/// The row mask of a batch of variable-length sequences flattened to rows: true where step t of
/// sequence b is valid (t < lengths[b]), for masking per-step losses.
///
/// - Parameters:
///   - lengths: B valid lengths in 0...T.
///   - steps: T.
///   - layout: the order of the rows: (T, B) for `.timeMajor`, (B, T) for `.batchFirst`.
/// - Returns: T * B flags in row-major order of that layout.
public func sequenceMask(lengths: [Int], steps: Int, layout: SequenceLayout = .timeMajor) -> [Bool] {
    precondition(lengths.allSatisfy { (0...steps).contains($0) }, "lengths \(lengths) must lie in 0...\(steps)")
    let batch = lengths.count
    return (0..<(steps * batch)).map { row in
        let (step, sequence) = layout == .timeMajor ? (row / batch, row % batch) : (row % steps, row / steps)
        return step < lengths[sequence]
    }
}
