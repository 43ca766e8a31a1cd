import Foundation
import GRUNetworks
import GRUTensor

extension EncoderDecoderModel {
    /// `teacherForced` with attention: the decoder runs one step at a time (each
    /// step's input needs the previous state's attention), and backward walks the steps back,
    /// each passing dL/ds_{t-1} from its GRU step and its attention query to the step before.
    ///
    /// Every buffer is sized once per batch, not per step: the decoder is a
    /// `SteppedRecurrentSweep` (W_hh packed once, its weight gradients one GEMM over all T*B
    /// rows), and the attention's weights, energies and weighted sums of all steps share one
    /// buffer each.
    func attentiveTeacherForced(
        _ batch: TranslationBatch, attention: some DecoderAttention, dropout: EncoderDecoderDropout?,
        crossEntropy: CrossEntropyLoss, computesGradients: Bool
    ) throws -> TeacherForcedResult {
        let config = configuration
        let b = batch.batchSize, steps = batch.targetSteps, sourceSteps = batch.sourceSteps
        let e = config.embeddingSize, h = config.hiddenSize, m = config.directionCount * h
        let energyWidth = attention.energyWidth
        return try parameters.withUnsafeBufferPointer { weights in
            let pass = try encoderPass(
                source: batch.encoderInput, lengths: batch.sourceLengths, weights: weights, dropout: dropout)
            let c = pass.context
            let memory = attention.memory(
                values: pass.encoded.output.scalars, steps: sourceSteps, batch: b, lengths: batch.sourceLengths,
                attention: slice(.attention, of: weights))
            let attentionWeights = slice(.attention, of: weights), vector = slice(.attentionVector, of: weights)

            let target = try targetEmbedding.forward(
                batch.targetInput, shape: [steps, b], weights: slice(.targetEmbedding, of: weights))
            let targetDropout = Dropout(rate: config.inputDropout).forward(
                target.output, mask: dropout?.targetEmbeddingMask(steps: steps, batch: b))
            // (T, B, H) the mask of the states the head reads, nil without output dropout.
            let outputMask = dropout?.outputMask(steps: steps, batch: b)
            let sweep = c.scalars.withUnsafeBufferPointer {
                SteppedRecurrentSweep(
                    self.decoder, steps: steps, batch: b, initialState: $0.baseAddress!,
                    weights: slice(.decoder, of: weights), dropout: dropout?.decoder)
            }
            let readWeights = ScratchBuffer(uninitializedCount: steps * b * sourceSteps)  // (T, B, S)
            // (T, B, S, energyWidth)
            let energies = ScratchBuffer(uninitializedCount: steps * b * sourceSteps * energyWidth)
            let weighted = ScratchBuffer(uninitializedCount: steps * b * m)  // (T, B, M)
            let room = ScratchBuffer(uninitializedCount: b * h)  // (B, H)
            targetDropout.output.scalars.withUnsafeBufferPointer { embedded in  // (T, B, E)
                for t in 0..<steps {
                    let read = weighted.pointer + t * b * m
                    attention.forward(
                        query: sweep.state(t), memory: memory, attention: attentionWeights, vector: vector,
                        weights: readWeights.pointer + t * b * sourceSteps,
                        energies: energies.pointer + t * b * sourceSteps * energyWidth, weighted: read,
                        projected: room.pointer)
                    // x_t = [embedding; weighted], (B, E + M).
                    let input = sweep.input(step: t)
                    for row in 0..<b {
                        (input + row * (e + m)).update(from: embedded.baseAddress! + (t * b + row) * e, count: e)
                        (input + row * (e + m) + e).update(from: read + row * m, count: m)
                    }
                    sweep.forward(step: t)
                }
            }
            // s_1 ... s_T lie one after the other in the sweep's states. // (T, B, H)
            let states = Array(UnsafeBufferPointer(start: sweep.state(1), count: steps * b * h))
            let headWidth = e + h + m
            var headInput = [Float](repeating: 0, count: steps * b * headWidth)  // (T*B, E + H + M)
            targetDropout.output.scalars.withUnsafeBufferPointer { embedded in
                headInput.withUnsafeMutableBufferPointer { x in
                    for row in 0..<(steps * b) {
                        let out = x.baseAddress! + row * headWidth
                        out.update(from: embedded.baseAddress! + row * e, count: e)
                        (out + e).update(from: sweep.state(1) + row * h, count: h)
                        if let outputMask {
                            for j in 0..<h { out[e + j] *= outputMask[row * h + j] }
                        }
                        (out + e + h).update(from: weighted.pointer + row * m, count: m)
                    }
                }
            }
            let headResult = head.forward(
                Tensor(shape: [steps * b, headWidth], scalars: headInput), weights: slice(.head, of: weights))
            let mask = sequenceMask(lengths: batch.targetLengths, steps: steps)
            let (loss, logitGradient) = try crossEntropy(
                logits: headResult.output, targets: batch.targetOutput, mask: mask)
            let logits = headResult.output.reshaped(to: [steps, b, config.targetVocabularySize])
            let decoderOutput = Tensor(shape: [steps, b, h], scalars: states)
            let weightsTensor = Tensor(
                shape: [steps, b, sourceSteps],
                scalars: Array(UnsafeBufferPointer(start: readWeights.pointer, count: steps * b * sourceSteps)))
            guard computesGradients else {
                return TeacherForcedResult(
                    loss: loss, logits: logits, context: c, decoderOutput: decoderOutput, gradients: nil,
                    attentionWeights: weightsTensor)
            }

            var gradients = [Float](repeating: 0, count: parameters.count)
            try gradients.withUnsafeMutableBufferPointer { g in
                let headInputGradient = head.backward(
                    headResult, outputGradient: logitGradient, weights: slice(.head, of: weights),
                    gradients: slice(.head, of: g))  // (T*B, E + H + M)
                var embeddingGradient = Self.columns(headInputGradient, 0..<e, rows: steps * b).scalars
                var valueGradient = [Float](repeating: 0, count: sourceSteps * b * m)
                var keyGradient = [Float](repeating: 0, count: sourceSteps * b * h)
                let stateGradient = ScratchBuffer(uninitializedCount: b * h)  // dL/ds_t, all of it
                let nextStateGradient = ScratchBuffer(count: b * h)  // dL/ds_t from step t + 1
                let inputGradient = ScratchBuffer(uninitializedCount: b * (e + m))  // dL/dx_t
                let weightedGradient = ScratchBuffer(uninitializedCount: b * m)
                let queryGradient = ScratchBuffer(uninitializedCount: b * h)
                headInputGradient.scalars.withUnsafeBufferPointer { fromHead in
                    embeddingGradient.withUnsafeMutableBufferPointer { embeddingGradient in
                        for t in (0..<steps).reversed() {
                            for row in 0..<b {
                                let headRow = fromHead.baseAddress! + (t * b + row) * headWidth
                                let dropped = (t * b + row) * h
                                for j in 0..<h {
                                    stateGradient.pointer[row * h + j] =
                                        headRow[e + j] * (outputMask?[dropped + j] ?? 1)
                                        + nextStateGradient.pointer[row * h + j]
                                }
                            }
                            let throughStep = sweep.backward(
                                step: t, stateGradient: stateGradient.pointer, inputGradient: inputGradient.pointer)
                            for row in 0..<b {
                                let dx = inputGradient.pointer + row * (e + m)
                                let headRow = fromHead.baseAddress! + (t * b + row) * headWidth
                                let de = embeddingGradient.baseAddress! + (t * b + row) * e
                                for j in 0..<e { de[j] += dx[j] }
                                for j in 0..<m {
                                    weightedGradient.pointer[row * m + j] = dx[e + j] + headRow[e + h + j]
                                }
                            }
                            attention.backward(
                                query: sweep.state(t), weights: readWeights.pointer + t * b * sourceSteps,
                                energies: energies.pointer + t * b * sourceSteps * energyWidth,
                                weightedGradient: weightedGradient.pointer, memory: memory,
                                attention: attentionWeights, vector: vector,
                                attentionGradient: slice(.attention, of: g),
                                vectorGradient: slice(.attentionVector, of: g),
                                valueGradient: &valueGradient, keyGradient: &keyGradient,
                                projectedGradient: room.pointer,
                                queryGradient: queryGradient.pointer)
                            for i in 0..<(b * h) {
                                nextStateGradient.pointer[i] = throughStep[i] + queryGradient.pointer[i]
                            }
                        }
                    }
                }
                sweep.accumulateParameterGradients(into: slice(.decoder, of: g).baseAddress!)
                let rawEmbeddingGradient = Dropout(rate: config.inputDropout).backward(
                    targetDropout, outputGradient: Tensor(shape: [steps, b, e], scalars: embeddingGradient))
                targetEmbedding.backward(
                    target, outputGradient: rawEmbeddingGradient, gradients: slice(.targetEmbedding, of: g))
                attention.backwardKeys(
                    keyGradient: keyGradient, memory: memory, attention: attentionWeights,
                    attentionGradient: slice(.attention, of: g), valueGradient: &valueGradient)

                // s_0 = c.
                try encoderBackward(
                    pass, contextGradient: Array(UnsafeBufferPointer(start: nextStateGradient.pointer, count: b * h)),
                    outputGradient: valueGradient, weights: weights, gradients: g)
            }
            return TeacherForcedResult(
                loss: loss, logits: logits, context: c, decoderOutput: decoderOutput, gradients: gradients,
                attentionWeights: weightsTensor)
        }
    }
}
