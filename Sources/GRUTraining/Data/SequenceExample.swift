/// One sequence of a data set: its input steps, what the model should predict, and where it came from.
///
/// Letters: T steps, F features per step, K target values.
public struct SequenceExample: Sendable, Equatable {
    /// The input steps.
    public var input: SequenceInput
    /// What the model should predict for this sequence.
    public var target: SequenceTarget
    /// Where the example came from, as `file:line` (text formats) or `file[index]` (.npy), for
    /// predictions and messages.
    public var source: String

    /// An example with the given input, target and source.
    public init(input: SequenceInput, target: SequenceTarget, source: String) {
        self.input = input
        self.target = target
        self.source = source
    }

    /// The number of time steps, T.
    public var length: Int { input.length }
}

/// The input steps of one sequence: token ids or rows of real features.
public enum SequenceInput: Sendable, Equatable {
    /// Token ids from a `Vocabulary`, one per step: (T).
    case tokens([Int])
    /// Real features in time-major rows: (T, F) row-major, with F = `featureCount`.
    case features([Float], featureCount: Int)

    /// The number of time steps, T.
    public var length: Int {
        switch self {
        case .tokens(let ids): return ids.count
        case .features(let values, let featureCount): return values.count / featureCount
        }
    }

    /// The first `steps` steps (all of them when the sequence is no longer).
    public func prefix(_ steps: Int) -> SequenceInput {
        switch self {
        case .tokens(let ids): return .tokens(Array(ids.prefix(steps)))
        case .features(let values, let featureCount):
            return .features(Array(values.prefix(steps * featureCount)), featureCount: featureCount)
        }
    }

    /// The last `steps` steps (all of them when the sequence is no longer).
    public func suffix(_ steps: Int) -> SequenceInput {
        switch self {
        case .tokens(let ids): return .tokens(Array(ids.suffix(steps)))
        case .features(let values, let featureCount):
            return .features(Array(values.suffix(steps * featureCount)), featureCount: featureCount)
        }
    }
}

/// What the model should predict for one sequence.
public enum SequenceTarget: Sendable, Equatable {
    /// One class index for the whole sequence (classify).
    case classIndex(Int)
    /// One class index per input step (tag), or the next token's id per step (language-model): (T).
    case stepClasses([Int])
    /// Real values (forecast): (horizon, outputs) row-major, K = horizon * outputs.
    case values([Float])
    /// No target: an unlabelled sequence, read for prediction only (`DataOptions.requiresTargets` false).
    case none
}
