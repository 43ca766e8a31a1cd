import GRUNetworks
import GRUTensor

extension EncoderDecoderModel {
    /// Scheduled sampling (Bengio et al. 2015): `batch` with each decoder input after the
    /// first replaced, with probability `probability` per row and step, by the model's own
    /// greedy prediction of that token given the inputs before it (replaced ones included), so
    /// that training sees the inputs decoding will feed it.
    ///
    /// The predictions come from an inference pass (no dropout, zoneout's expectation) run a
    /// step at a time; no gradient flows through the choice, so the training pass is teacher
    /// forcing on the returned batch. The same seed makes the same choices.
    ///
    /// - Throws: `GRUInputError` for ids outside a vocabulary or lengths out of range.
    public func scheduledSampling(_ batch: TranslationBatch, probability: Float, seed: UInt64) throws
        -> TranslationBatch
    {
        guard probability > 0, batch.targetSteps > 1 else { return batch }
        let b = batch.batchSize, vocabulary = configuration.targetVocabularySize
        let encoded = try encode(batch.encoderInput, sourceLengths: batch.sourceLengths)
        var generator = SeededGenerator(seed: seed)
        var inputs = batch.targetInput, states = encoded.contexts.scalars
        for t in 0..<(batch.targetSteps - 1) {
            let step = try decoderStep(
                tokens: Array(inputs[(t * b)..<((t + 1) * b)]), states: states, sequences: Array(0..<b),
                source: encoded)
            // One draw a row and step, replaced or not, so that the choices depend on the seed only.
            for row in 0..<b where generator.uniform(0, 1) < probability {
                let scores = step.logProbabilities[(row * vocabulary)..<((row + 1) * vocabulary)]
                inputs[(t + 1) * b + row] = scores.indices.max { scores[$0] < scores[$1] }! - row * vocabulary
            }
            states = step.states
        }
        return batch.replacingTargetInput(inputs)
    }
}
