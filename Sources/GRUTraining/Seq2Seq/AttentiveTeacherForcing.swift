import Foundation
import GRUNetworks
import GRUTensor

extension EncoderDecoderModel {
    /// `teacherForced` with additive attention: the decoder runs one step at a time (each
    /// step's input needs the previous state's attention), and backward walks the steps back,
    /// each passing dL/ds_{t-1} from its GRU step and its attention query to the step before.
    func attentiveTeacherForced(_ batch: TranslationBatch, computesGradients: Bool) throws -> TeacherForcedResult {
        let config = configuration
        let b = batch.batchSize, steps = batch.targetSteps, sourceSteps = batch.sourceSteps
        let e = config.embeddingSize, h = config.hiddenSize, directions = config.directionCount, m = directions * h
        let attention = AdditiveAttention(hidden: h, memoryWidth: m)
        return try parameters.withUnsafeBufferPointer { weights in
            let pass = try encoderPass(source: batch.source, lengths: batch.sourceLengths, weights: weights)
            let c = pass.context
            let memory = attention.memory(
                values: pass.encoded.output.scalars, steps: sourceSteps, batch: b, lengths: batch.sourceLengths,
                attention: slice(.attention, of: weights))

            let target = try targetEmbedding.forward(
                batch.targetInput, shape: [steps, b], weights: slice(.targetEmbedding, of: weights))
            let embedded = target.output.reshaped(to: [steps * b, e])
            var state = c.scalars
            var decoderSteps: [RecurrentForwardResult] = [], attentionSteps: [AdditiveAttention.Step] = []
            var states: [Float] = [], weighted: [Float] = [], attentionWeights: [Float] = []
            for t in 0..<steps {
                let step = attention.forward(
                    query: state, memory: memory, attention: slice(.attention, of: weights),
                    vector: slice(.attentionVector, of: weights))
                let embeddedStep = Tensor(
                    shape: [b, e], scalars: Array(embedded.scalars[(t * b * e)..<((t + 1) * b * e)]))
                let input = Self.concatenated([embeddedStep, Tensor(shape: [b, m], scalars: step.weighted)], rows: b)
                let decoded = try decoder.forward(
                    input.reshaped(to: [1, b, e + m]), initialState: Tensor(shape: [1, b, h], scalars: state),
                    weights: slice(.decoder, of: weights))
                state = decoded.output.scalars
                states += state
                weighted += step.weighted
                attentionWeights += step.weights
                decoderSteps.append(decoded)
                attentionSteps.append(step)
            }
            let decoderOutput = Tensor(shape: [steps, b, h], scalars: states)
            let headInput = Self.concatenated(
                [
                    embedded, Tensor(shape: [steps * b, h], scalars: states),
                    Tensor(shape: [steps * b, m], scalars: weighted),
                ],
                rows: steps * b)
            let headResult = head.forward(headInput, weights: slice(.head, of: weights))
            let mask = sequenceMask(lengths: batch.targetLengths, steps: steps)
            let (loss, logitGradient) = try CrossEntropyLoss()(
                logits: headResult.output, targets: batch.targetOutput, mask: mask)
            let logits = headResult.output.reshaped(to: [steps, b, config.targetVocabularySize])
            let weightsTensor = Tensor(shape: [steps, b, sourceSteps], scalars: attentionWeights)
            guard computesGradients else {
                return TeacherForcedResult(
                    loss: loss, logits: logits, context: c, decoderOutput: decoderOutput, gradients: nil,
                    attentionWeights: weightsTensor)
            }

            var gradients = [Float](repeating: 0, count: parameters.count)
            try gradients.withUnsafeMutableBufferPointer { g in
                let headInputGradient = head.backward(
                    headResult, outputGradient: logitGradient, weights: slice(.head, of: weights),
                    gradients: slice(.head, of: g))
                let (embeddingFromHead, stateFromHead, weightedFromHead) = Self.split3(
                    headInputGradient, widths: (e, h, m), rows: steps * b)
                var embeddingGradient = embeddingFromHead.scalars
                var valueGradient = [Float](repeating: 0, count: sourceSteps * b * m)
                var keyGradient = [Float](repeating: 0, count: sourceSteps * b * h)
                var nextStateGradient = [Float](repeating: 0, count: b * h)  // dL/ds_t from step t + 1
                for t in (0..<steps).reversed() {
                    let stateGradient = (0..<(b * h)).map {
                        stateFromHead.scalars[t * b * h + $0] + nextStateGradient[$0]
                    }
                    let stepGradients = try decoder.backward(
                        decoderSteps[t], outputGradient: Tensor(shape: [1, b, h], scalars: stateGradient),
                        weights: slice(.decoder, of: weights), gradients: slice(.decoder, of: g))
                    let (embeddingPart, weightedPart) = Self.split2(
                        stepGradients.input.reshaped(to: [b, e + m]), widths: (e, m), rows: b)
                    for i in 0..<(b * e) { embeddingGradient[t * b * e + i] += embeddingPart.scalars[i] }
                    let weightedGradient = (0..<(b * m)).map {
                        weightedPart.scalars[$0] + weightedFromHead.scalars[t * b * m + $0]
                    }
                    let queryGradient = attention.backward(
                        attentionSteps[t], weightedGradient: weightedGradient, memory: memory,
                        attention: slice(.attention, of: weights), vector: slice(.attentionVector, of: weights),
                        attentionGradient: slice(.attention, of: g), vectorGradient: slice(.attentionVector, of: g),
                        valueGradient: &valueGradient, keyGradient: &keyGradient)
                    nextStateGradient = zip(stepGradients.initialState.scalars, queryGradient).map(+)
                }
                targetEmbedding.backward(
                    target, outputGradient: Tensor(shape: [steps, b, e], scalars: embeddingGradient),
                    gradients: slice(.targetEmbedding, of: g))
                attention.backwardKeys(
                    keyGradient: keyGradient, memory: memory, attention: slice(.attention, of: weights),
                    attentionGradient: slice(.attention, of: g), valueGradient: &valueGradient)

                // s_0 = c.
                try encoderBackward(
                    pass, contextGradient: nextStateGradient, outputGradient: valueGradient, weights: weights,
                    gradients: g)
            }
            return TeacherForcedResult(
                loss: loss, logits: logits, context: c, decoderOutput: decoderOutput, gradients: gradients,
                attentionWeights: weightsTensor)
        }
    }
}
