import GRUNetworks
import GRUTensor

/// A generated data set of equal-length sequences, in the arrays `NpyDatasetLoader` reads:
/// the long-range benchmarks the GRU is measured on against the LSTM and the plain RNN.
///
/// Legend: N sequences, T steps, F features.
public struct SyntheticSequences: Sendable {
    /// (N, T, F) X, batch-first.
    public let inputs: Tensor
    /// y: (N) real targets, or (N, T) class ids for every step.
    public let targets: Targets
    /// The task `gru train --task` reads the arrays as.
    public let task: SequenceTask

    /// The targets of a generated set.
    public enum Targets: Sendable {
        /// (N) one real target a sequence (a forecast of horizon 1).
        case values([Float])
        /// (N, T) a class id at every step (tagging).
        case stepClasses([Int], shape: [Int])
    }
}

/// Where a generated set's sizes are refused: one flag, what it needs and what it got.
enum SyntheticSizeCheck {
    static func require(_ value: Int, atLeast minimum: Int, flag: String) throws {
        guard value >= minimum else {
            throw GRUInputError(.setting(flag), found: "\(value)", expected: "at least \(minimum)")
        }
    }
}
