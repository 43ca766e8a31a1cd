import GRUNetworks
import GRUTensor

/// The copy-memory task (Hochreiter & Schmidhuber 1997, in the form of Arjovsky et al. 2016):
/// ten symbols from an alphabet of eight, then `delay` - 1 blanks, a delimiter, and ten more
/// blanks; the model must output blanks until the delimiter and then the ten symbols in order.
/// Sequences are delay + 20 steps long. Guessing blanks then uniform symbols gives a cross
/// entropy of 10 ln 8 / (delay + 20) per step, the baseline a model must beat.
///
/// Legend: N sequences, T = delay + 20 steps. Input features: one-hot over 10 classes (0 blank,
/// 1...8 the symbols, 9 the delimiter); targets per step: 0 blank or 1...8.
public enum CopyMemoryTask {
    /// The symbols to remember.
    public static let symbolCount = 10
    /// The alphabet size.
    public static let alphabetSize = 8

    /// N sequences with the given delay from `seed`; the same seed gives the same set.
    ///
    /// - Throws: `GRUInputError` when the delay or N is below 1.
    public static func generate(delay: Int, count: Int, seed: UInt64) throws -> SyntheticSequences {
        try SyntheticSizeCheck.require(delay, atLeast: 1, flag: "--delay")
        try SyntheticSizeCheck.require(count, atLeast: 1, flag: "--count")
        let steps = delay + 2 * symbolCount, features = alphabetSize + 2, delimiter = alphabetSize + 1
        var generator = SeededGenerator(seed: seed)
        var inputs = [Float](repeating: 0, count: count * steps * features)  // (N, T, 10)
        var targets = [Int](repeating: 0, count: count * steps)  // (N, T)
        for n in 0..<count {
            var classes = [Int](repeating: 0, count: steps)
            for t in 0..<symbolCount {
                let symbol = 1 + AddingProblem.index(below: alphabetSize, using: &generator)
                classes[t] = symbol
                targets[n * steps + steps - symbolCount + t] = symbol
            }
            classes[symbolCount + delay - 1] = delimiter
            for t in 0..<steps { inputs[(n * steps + t) * features + classes[t]] = 1 }
        }
        return SyntheticSequences(
            inputs: Tensor(shape: [count, steps, features], scalars: inputs),
            targets: .stepClasses(targets, shape: [count, steps]), task: .tag)
    }
}
