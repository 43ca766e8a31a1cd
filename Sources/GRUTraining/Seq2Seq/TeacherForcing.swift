import Foundation
import GRUNetworks
import GRUTensor

/// What `EncoderDecoderModel.teacherForced` returns.
///
/// Legend as on `EncoderDecoderModel`.
public struct TeacherForcedResult: Sendable {
    /// The mean cross-entropy over the valid target steps.
    public let loss: Float
    /// (T, B, Vt).
    public let logits: Tensor
    /// (B, H) c.
    public let context: Tensor
    /// (T, B, H) the decoder's states s_1...s_T, every step of every row.
    public let decoderOutput: Tensor
    /// dL/d parameters in the buffer's layout; nil when not asked for.
    public let gradients: [Float]?
    /// (T, B, S) the attention weights of every step, with attention; nil without.
    public var attentionWeights: Tensor? = nil
}

extension EncoderDecoderModel {
    /// The loss of a batch with the decoder fed the true previous tokens (teacher forcing),
    /// and, when `computesGradients`, its gradient with respect to every parameter (full
    /// backpropagation through the decoder, the context and the encoder).
    ///
    /// The decoder runs all T steps of every row (its inputs are known); steps at or past a
    /// row's target length are masked out of the loss and so get no gradient.
    ///
    /// - Parameters:
    ///   - dropoutSeed: a training pass's seed of its dropout, zoneout and weight-drop masks
    ///     (`EncoderDecoderDropout`, at the configuration's rates); nil for inference, where
    ///     zoneout takes its expectation and the dropouts are off.
    ///   - labelSmoothing: the cross-entropy's label smoothing, in [0, 1].
    /// - Throws: `GRUInputError` for ids outside a vocabulary, lengths out of range, or label
    ///   smoothing outside [0, 1].
    public func teacherForced(
        _ batch: TranslationBatch, dropoutSeed: UInt64? = nil, labelSmoothing: Float = 0,
        computesGradients: Bool = true
    ) throws -> TeacherForcedResult {
        guard (0...1).contains(labelSmoothing) else {
            throw GRUInputError(.setting("label smoothing"), found: "\(labelSmoothing)", expected: "in [0, 1]")
        }
        let dropout = dropoutSeed.map { EncoderDecoderDropout(configuration, seed: $0) }
        let crossEntropy = CrossEntropyLoss(labelSmoothing: labelSmoothing)
        if let attention = decoderAttention {
            return try attentiveTeacherForced(
                batch, attention: attention, dropout: dropout, crossEntropy: crossEntropy,
                computesGradients: computesGradients)
        }
        let config = configuration
        let b = batch.batchSize, steps = batch.targetSteps, e = config.embeddingSize, h = config.hiddenSize
        return try parameters.withUnsafeBufferPointer { weights in
            let pass = try encoderPass(
                source: batch.encoderInput, lengths: batch.sourceLengths, weights: weights, dropout: dropout)
            let c = pass.context

            // Decoder, then the head over [embedding; s_t; c] at every step.
            let target = try targetEmbedding.forward(
                batch.targetInput, shape: [steps, b], weights: slice(.targetEmbedding, of: weights))
            let targetDropout = Dropout(rate: config.inputDropout).forward(
                target.output, mask: dropout?.targetEmbeddingMask(steps: steps, batch: b))
            let repeatedContext = Tensor(
                shape: [steps * b, h], scalars: Array([[Float]](repeating: c.scalars, count: steps).joined()))
            let embedded = targetDropout.output.reshaped(to: [steps * b, e])
            let decoderInput = Self.concatenated([embedded, repeatedContext], rows: steps * b)
            let decoded = try decoder.forward(
                decoderInput.reshaped(to: [steps, b, e + h]), initialState: c.reshaped(to: [1, b, h]),
                weights: slice(.decoder, of: weights), dropout: dropout?.decoder)
            let outputDropout = Dropout(rate: config.outputDropout).forward(
                decoded.output.reshaped(to: [steps * b, h]), mask: dropout?.outputMask(steps: steps, batch: b))
            let headInput = Self.concatenated([embedded, outputDropout.output, repeatedContext], rows: steps * b)
            let headResult = head.forward(headInput, weights: slice(.head, of: weights))
            let mask = sequenceMask(lengths: batch.targetLengths, steps: steps)
            let (loss, logitGradient) = try crossEntropy(
                logits: headResult.output, targets: batch.targetOutput, mask: mask)
            let logits = headResult.output.reshaped(to: [steps, b, config.targetVocabularySize])
            guard computesGradients else {
                return TeacherForcedResult(
                    loss: loss, logits: logits, context: c, decoderOutput: decoded.output, gradients: nil)
            }

            var gradients = [Float](repeating: 0, count: parameters.count)
            try gradients.withUnsafeMutableBufferPointer { g in
                let headInputGradient = head.backward(
                    headResult, outputGradient: logitGradient, weights: slice(.head, of: weights),
                    gradients: slice(.head, of: g))
                let (embeddingFromHead, stateGradient, contextFromHead) = Self.split3(
                    headInputGradient, widths: (e, h, h), rows: steps * b)
                let droppedStateGradient = Dropout(rate: config.outputDropout).backward(
                    outputDropout, outputGradient: stateGradient)
                let decoderGradients = try decoder.backward(
                    decoded, outputGradient: droppedStateGradient.reshaped(to: [steps, b, h]),
                    weights: slice(.decoder, of: weights), gradients: slice(.decoder, of: g))
                let (embeddingFromDecoder, contextFromDecoder) = Self.split2(
                    decoderGradients.input.reshaped(to: [steps * b, e + h]), widths: (e, h), rows: steps * b)
                let embeddingGradient = Dropout(rate: config.inputDropout).backward(
                    targetDropout,
                    outputGradient: Self.sum(embeddingFromHead, embeddingFromDecoder).reshaped(to: [steps, b, e]))
                targetEmbedding.backward(
                    target, outputGradient: embeddingGradient, gradients: slice(.targetEmbedding, of: g))

                // dL/dc from the three places c enters, then through tanh and the context layer.
                var contextGradient = decoderGradients.initialState.scalars  // (1, B, H)
                for t in 0..<steps {
                    for i in 0..<(b * h) {
                        contextGradient[i] +=
                            contextFromHead.scalars[t * b * h + i] + contextFromDecoder.scalars[t * b * h + i]
                    }
                }
                try encoderBackward(
                    pass, contextGradient: contextGradient, outputGradient: nil, weights: weights, gradients: g)
            }
            return TeacherForcedResult(
                loss: loss, logits: logits, context: c, decoderOutput: decoded.output, gradients: gradients)
        }
    }

    // MARK: - Rows side by side

    /// State `index` of (L*D, B, H) states, (B, H).
    static func state(_ states: Tensor, index: Int) -> Tensor {
        let rows = states.shape[1], width = states.shape[2]
        let start = index * rows * width
        return Tensor(shape: [rows, width], scalars: Array(states.scalars[start..<(start + rows * width)]))
    }

    /// (rows, w_1 + w_2 + ...) from (rows, w_i) parts side by side.
    static func concatenated(_ parts: [Tensor], rows: Int) -> Tensor {
        let widths = parts.map { $0.count / rows }, total = widths.reduce(0, +)
        var scalars = [Float](repeating: 0, count: rows * total)
        var column = 0
        for (part, width) in zip(parts, widths) {
            for row in 0..<rows {
                for j in 0..<width { scalars[row * total + column + j] = part.scalars[row * width + j] }
            }
            column += width
        }
        return Tensor(shape: [rows, total], scalars: scalars)
    }

    /// The columns `columns` of (rows, width) `tensor`.
    static func columns(_ tensor: Tensor, _ columns: Range<Int>, rows: Int) -> Tensor {
        let width = tensor.count / rows
        var scalars = [Float](repeating: 0, count: rows * columns.count)
        for row in 0..<rows {
            for (j, column) in columns.enumerated() {
                scalars[row * columns.count + j] = tensor.scalars[row * width + column]
            }
        }
        return Tensor(shape: [rows, columns.count], scalars: scalars)
    }

    static func split2(_ tensor: Tensor, widths: (Int, Int), rows: Int) -> (Tensor, Tensor) {
        (columns(tensor, 0..<widths.0, rows: rows), columns(tensor, widths.0..<(widths.0 + widths.1), rows: rows))
    }

    static func split3(_ tensor: Tensor, widths: (Int, Int, Int), rows: Int) -> (Tensor, Tensor, Tensor) {
        let second = widths.0 + widths.1
        return (
            columns(tensor, 0..<widths.0, rows: rows), columns(tensor, widths.0..<second, rows: rows),
            columns(tensor, second..<(second + widths.2), rows: rows)
        )
    }

    static func sum(_ a: Tensor, _ b: Tensor) -> Tensor {
        Tensor(shape: a.shape, scalars: zip(a.scalars, b.scalars).map(+))
    }
}
