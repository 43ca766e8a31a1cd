/// A batch of (source, target) sequences for an encoder-decoder, time-major and padded: the
/// source as token ids or as feature vectors; the decoder reads `targetInput` (the target
/// after a start token) and is trained to predict `targetOutput` (the target followed by an
/// end token), step for step.
///
/// Legend: B batch, S source steps, T target steps, F features a source step.
public struct TranslationBatch: Sendable {
    /// B.
    public let batchSize: Int
    /// S and T.
    public let sourceSteps: Int, targetSteps: Int
    /// (S, B) source ids, time-major; any id past a sequence's length. Empty for a source of
    /// feature vectors.
    public let source: [Int]
    /// (S, B, F) source feature vectors, time-major; any values past a sequence's length.
    /// Empty for a source of ids.
    public let sourceFeatures: [Float]
    /// F; 0 for a source of ids.
    public let sourceFeatureCount: Int
    /// (B) in 1...S.
    public let sourceLengths: [Int]
    /// (T, B) the decoder's inputs, time-major.
    public let targetInput: [Int]
    /// (T, B) the ids to predict; only steps before a row's length count.
    public let targetOutput: [Int]
    /// (B) in 1...T.
    public let targetLengths: [Int]

    /// A batch of the given time-major ids and lengths.
    public init(
        source: [Int], sourceLengths: [Int], targetInput: [Int], targetOutput: [Int], targetLengths: [Int]
    ) {
        let batch = sourceLengths.count
        precondition(batch > 0 && source.count % batch == 0, "time-major (S, B) source ids")
        self.init(
            source: source, features: [], featureCount: 0, sourceSteps: source.count / batch,
            sourceLengths: sourceLengths, targetInput: targetInput, targetOutput: targetOutput,
            targetLengths: targetLengths)
    }

    /// A batch of time-major (S, B, F) source feature vectors, target ids and lengths.
    public init(
        sourceFeatures: [Float], featureCount: Int, sourceLengths: [Int], targetInput: [Int], targetOutput: [Int],
        targetLengths: [Int]
    ) {
        let batch = sourceLengths.count
        precondition(
            batch > 0 && featureCount > 0 && sourceFeatures.count % (batch * featureCount) == 0,
            "time-major (S, B, F) source features")
        self.init(
            source: [], features: sourceFeatures, featureCount: featureCount,
            sourceSteps: sourceFeatures.count / (batch * featureCount), sourceLengths: sourceLengths,
            targetInput: targetInput, targetOutput: targetOutput, targetLengths: targetLengths)
    }

    /// A batch of either kind of source.
    public init(
        _ source: EncoderInput, sourceLengths: [Int], targetInput: [Int], targetOutput: [Int], targetLengths: [Int]
    ) {
        switch source {
        case .tokens(let ids):
            self.init(
                source: ids, sourceLengths: sourceLengths, targetInput: targetInput, targetOutput: targetOutput,
                targetLengths: targetLengths)
        case .features(let values, let width):
            self.init(
                sourceFeatures: values, featureCount: width, sourceLengths: sourceLengths, targetInput: targetInput,
                targetOutput: targetOutput, targetLengths: targetLengths)
        }
    }

    private init(
        source: [Int], features: [Float], featureCount: Int, sourceSteps: Int, sourceLengths: [Int],
        targetInput: [Int], targetOutput: [Int], targetLengths: [Int]
    ) {
        let batch = sourceLengths.count
        precondition(targetLengths.count == batch, "one length per row on both sides")
        precondition(targetInput.count % batch == 0, "time-major (T, B) target ids")
        precondition(targetOutput.count == targetInput.count, "as many targets as decoder inputs")
        batchSize = batch
        self.sourceSteps = sourceSteps
        targetSteps = targetInput.count / batch
        self.source = source
        sourceFeatures = features
        sourceFeatureCount = featureCount
        self.sourceLengths = sourceLengths
        self.targetInput = targetInput
        self.targetOutput = targetOutput
        self.targetLengths = targetLengths
    }

    /// This batch with other decoder inputs (scheduled sampling's).
    func replacingTargetInput(_ inputs: [Int]) -> TranslationBatch {
        TranslationBatch(
            source: source, features: sourceFeatures, featureCount: sourceFeatureCount, sourceSteps: sourceSteps,
            sourceLengths: sourceLengths, targetInput: inputs, targetOutput: targetOutput,
            targetLengths: targetLengths)
    }

    /// The source side as the encoder reads it.
    public var encoderInput: EncoderInput {
        sourceFeatureCount > 0 ? .features(sourceFeatures, width: sourceFeatureCount) : .tokens(source)
    }
}

/// An encoder's source, time-major: (S, B) token ids, or (S, B, F) feature vectors.
public enum EncoderInput: Sendable, Equatable {
    /// (S, B) ids into the source vocabulary.
    case tokens([Int])
    /// (S, B, F) values, F = `width`.
    case features([Float], width: Int)

    /// S for B rows, when the count divides.
    func steps(batch: Int) -> Int? {
        switch self {
        case .tokens(let ids): batch > 0 && ids.count % batch == 0 ? ids.count / batch : nil
        case .features(let values, let width):
            batch > 0 && width > 0 && values.count % (batch * width) == 0 ? values.count / (batch * width) : nil
        }
    }
}
