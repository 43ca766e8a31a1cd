import GRUTensor

/// Sequences of different lengths padded into one time-major batch, with their lengths and a mask.
///
/// Letters: T the longest length in the batch, B the number of sequences, F features per step,
/// K target values per sequence. Steps at or past a sequence's length are padding: token id
/// `Vocabulary.paddingID`, zero features, class 0, and 0 in `mask`; losses and metrics must
/// weight per-step terms by `mask`, and recurrent layers read `lengths`.
public struct SequenceBatch: Sendable, Equatable {
    /// The padded inputs, time-major.
    public var inputs: BatchInputs
    /// The padded targets.
    public var targets: BatchTargets
    /// Each sequence's number of steps: (B).
    public var lengths: [Int]
    /// Each sequence's position in the data set it came from: (B), to put predictions back in order.
    public var exampleIndices: [Int]

    /// The batch of `examples`, which came from positions `exampleIndices` of their data set.
    ///
    /// The examples must all have the same kind of input and target (as one data set's do), at
    /// least one step each, and the same target size for real-valued targets.
    public init(examples: [SequenceExample], exampleIndices: [Int]) {
        precondition(!examples.isEmpty && examples.count == exampleIndices.count, "a batch needs one index per example")
        let lengths = examples.map(\.length)
        precondition(lengths.allSatisfy { $0 > 0 }, "every sequence needs at least one step")
        let steps = lengths.max()!
        let batchSize = examples.count
        self.lengths = lengths
        self.exampleIndices = exampleIndices

        switch examples[0].input {
        case .tokens:
            var ids = [Int](repeating: Vocabulary.paddingID, count: steps * batchSize)  // (T, B)
            for (column, example) in examples.enumerated() {
                guard case .tokens(let tokens) = example.input else {
                    preconditionFailure("mixed input kinds in one batch")
                }
                for (step, id) in tokens.enumerated() { ids[step * batchSize + column] = id }
            }
            inputs = .tokens(ids)
        case .features(_, let featureCount):
            var values = [Float](repeating: 0, count: steps * batchSize * featureCount)  // (T, B, F)
            for (column, example) in examples.enumerated() {
                guard case .features(let rows, featureCount) = example.input else {
                    preconditionFailure("mixed input kinds or feature counts in one batch")
                }
                for step in 0..<example.length {
                    let target = (step * batchSize + column) * featureCount
                    values[target..<(target + featureCount)] = rows[(step * featureCount)..<((step + 1) * featureCount)]
                }
            }
            inputs = .features(Tensor(shape: [steps, batchSize, featureCount], scalars: values))
        }

        switch examples[0].target {
        case .classIndex:
            targets = .classes(
                examples.map { example in
                    guard case .classIndex(let index) = example.target else {
                        preconditionFailure("mixed target kinds in one batch")
                    }
                    return index
                })
        case .stepClasses:
            var classes = [Int](repeating: 0, count: steps * batchSize)  // (T, B)
            for (column, example) in examples.enumerated() {
                guard case .stepClasses(let perStep) = example.target else {
                    preconditionFailure("mixed target kinds in one batch")
                }
                precondition(perStep.count == example.length, "a tag target needs one class per step")
                for (step, index) in perStep.enumerated() { classes[step * batchSize + column] = index }
            }
            targets = .stepClasses(classes)
        case .values(let first):
            let values = examples.flatMap { example -> [Float] in
                guard case .values(let values) = example.target, values.count == first.count else {
                    preconditionFailure("mixed target kinds or sizes in one batch")
                }
                return values
            }
            targets = .values(Tensor(shape: [batchSize, first.count], scalars: values))  // (B, K)
        case .none:
            precondition(examples.allSatisfy { $0.target == .none }, "mixed target kinds in one batch")
            targets = .none
        }
    }

    /// The number of sequences, B.
    public var batchSize: Int { lengths.count }

    /// The number of padded steps, T: the longest length.
    public var steps: Int { lengths.max() ?? 0 }

    /// 1 where step t is inside sequence b, else 0: (T, B).
    public var mask: [Float] {
        let batchSize = batchSize
        var mask = [Float](repeating: 0, count: steps * batchSize)
        for (column, length) in lengths.enumerated() {
            for step in 0..<length { mask[step * batchSize + column] = 1 }
        }
        return mask
    }
}

/// The inputs of a batch, time-major and padded.
public enum BatchInputs: Sendable, Equatable {
    /// Token ids: (T, B) row-major, padded with `Vocabulary.paddingID`.
    case tokens([Int])
    /// Features: (T, B, F), padded with zeros.
    case features(Tensor)
}

/// The targets of a batch, padded where they follow the steps.
public enum BatchTargets: Sendable, Equatable {
    /// One class index per sequence: (B).
    case classes([Int])
    /// One class index per step, 0 at padding steps (see `SequenceBatch.mask`): (T, B) row-major.
    case stepClasses([Int])
    /// Real targets: (B, K).
    case values(Tensor)
    /// No targets: unlabelled sequences, which can be predicted but not scored or trained on.
    case none
}
