import GRUNetworks
import GRUTensor

/// The adding problem (Hochreiter & Schmidhuber 1997, in the form of Le et al. 2015): each step
/// holds a value drawn uniformly from [0, 1) and a marker; exactly two steps are marked, one in
/// each half of the sequence, and the target is the sum of their two values. A model must keep
/// the first marked value across up to T steps; predicting the mean (1) gives a mean squared
/// error of about 0.167, and the task counts as solved below 0.01.
///
/// Legend: N sequences, T steps; features per step: (value, marker).
public enum AddingProblem {
    /// N sequences of T steps from `seed`; the same seed gives the same set.
    ///
    /// - Throws: `GRUInputError` when T < 2 or N < 1.
    public static func generate(steps: Int, count: Int, seed: UInt64) throws -> SyntheticSequences {
        try SyntheticSizeCheck.require(steps, atLeast: 2, flag: "--steps")
        try SyntheticSizeCheck.require(count, atLeast: 1, flag: "--count")
        var generator = SeededGenerator(seed: seed)
        var inputs = [Float](repeating: 0, count: count * steps * 2)  // (N, T, 2)
        var targets = [Float](repeating: 0, count: count)
        let half = steps / 2
        for n in 0..<count {
            for t in 0..<steps { inputs[(n * steps + t) * 2] = generator.uniform(0, 1) }
            let first = index(below: half, using: &generator)
            let second = half + index(below: steps - half, using: &generator)
            for t in [first, second] {
                inputs[(n * steps + t) * 2 + 1] = 1
                targets[n] += inputs[(n * steps + t) * 2]
            }
        }
        return SyntheticSequences(
            inputs: Tensor(shape: [count, steps, 2], scalars: inputs), targets: .values(targets), task: .forecast)
    }

    /// A uniform index in 0..<bound.
    static func index(below bound: Int, using generator: inout SeededGenerator) -> Int {
        Int(generator.next() % UInt64(bound))
    }
}
