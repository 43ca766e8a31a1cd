/// A batch of (source, target) token sequences for an encoder-decoder, time-major and padded:
/// the decoder reads `targetInput` (the target after a start token) and is trained to predict
/// `targetOutput` (the target followed by an end token), step for step.
///
/// Legend: B batch, S source steps, T target steps.
public struct TranslationBatch: Sendable {
    /// B.
    public let batchSize: Int
    /// S and T.
    public let sourceSteps: Int, targetSteps: Int
    /// (S, B) source ids, time-major; any id past a sequence's length.
    public let source: [Int]
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
        precondition(batch > 0 && targetLengths.count == batch, "one length per row on both sides")
        precondition(source.count % batch == 0 && targetInput.count % batch == 0, "time-major (steps, B) ids")
        precondition(targetOutput.count == targetInput.count, "as many targets as decoder inputs")
        batchSize = batch
        sourceSteps = source.count / batch
        targetSteps = targetInput.count / batch
        self.source = source
        self.sourceLengths = sourceLengths
        self.targetInput = targetInput
        self.targetOutput = targetOutput
        self.targetLengths = targetLengths
    }
}
