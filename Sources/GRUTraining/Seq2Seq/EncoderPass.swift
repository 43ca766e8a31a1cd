import Foundation
import GRUNetworks
import GRUTensor

/// The encoder side of an `EncoderDecoderModel` pass, kept for its backward: the source
/// embeddings (none for feature vectors) and the dropout on what the stack reads in training,
/// the GRU stack's outputs and final states, and the context c = tanh(context(the last
/// layer's final states)), (B, H).
struct EncoderPass {
    let source: Embedding.ForwardResult?
    let sourceDropout: Dropout.ForwardResult
    let encoded: RecurrentForwardResult
    let contextLinear: Linear.ForwardResult
    let context: Tensor
}

extension EncoderDecoderModel {
    /// Encodes a time-major source (ids embedded, or feature vectors as they are) with its
    /// lengths, with a training pass's `dropout`, or nil for inference.
    ///
    /// - Throws: `GRUInputError` for a source of the other kind than the model reads, one whose
    ///   size is not (S, B) or (S, B, F) with S >= 1, or NaN or infinite features.
    func encoderPass(
        source input: EncoderInput, lengths: [Int], weights: UnsafeBufferPointer<Float>,
        dropout: EncoderDecoderDropout? = nil
    ) throws -> EncoderPass {
        let batch = lengths.count, directions = configuration.directionCount
        let steps = try sourceSteps(of: input, batch: batch)
        var source: Embedding.ForwardResult?
        let stackInput: Tensor
        switch (input, sourceEmbedding) {
        case (.tokens(let ids), let embedding?):
            let embedded = try embedding.forward(
                ids, shape: [steps, batch], weights: slice(.sourceEmbedding, of: weights))
            source = embedded
            stackInput = embedded.output
        case (.features(let values, let width), nil):
            stackInput = Tensor(shape: [steps, batch, width], scalars: values)
        default: preconditionFailure("sourceSteps(of:batch:) checks the source's kind")
        }
        let sourceDropout = Dropout(rate: configuration.inputDropout).forward(
            stackInput, mask: dropout?.sourceInputMask(steps: steps, batch: batch))
        let encoded = try encoder.forward(
            sourceDropout.output, lengths: lengths, weights: slice(.encoder, of: weights), dropout: dropout?.encoder)
        let lastLayer = (configuration.encoderLayers - 1) * directions
        let finalStates = Self.concatenated(
            (0..<directions).map { Self.state(encoded.finalState, index: lastLayer + $0) }, rows: batch)
        let linear = context.forward(finalStates, weights: slice(.context, of: weights))
        return EncoderPass(
            source: source, sourceDropout: sourceDropout, encoded: encoded, contextLinear: linear,
            context: Tensor(shape: linear.output.shape, scalars: linear.output.scalars.map(tanhf)))
    }

    /// The encoder's backward from dL/dc (B * H) and dL/d outputs ((S, B, D*H), or none):
    /// through tanh and the context layer to the last layer's final states, then the stack
    /// and the source embeddings, added to `gradients`.
    func encoderBackward(
        _ pass: EncoderPass, contextGradient: [Float], outputGradient: [Float]?, weights: UnsafeBufferPointer<Float>,
        gradients: UnsafeMutableBufferPointer<Float>
    ) throws {
        let h = configuration.hiddenSize, directions = configuration.directionCount
        let batch = pass.context.shape[0]
        let preactivationGradient = Tensor(
            shape: [batch, h], scalars: zip(contextGradient, pass.context.scalars).map { $0 * (1 - $1 * $1) })
        let finalStateGradient = context.backward(
            pass.contextLinear, outputGradient: preactivationGradient, weights: slice(.context, of: weights),
            gradients: slice(.context, of: gradients))
        // Only the last layer's final states reach c.
        let lastLayer = (configuration.encoderLayers - 1) * directions
        var stateGradient = [Float](repeating: 0, count: pass.encoded.finalState.count)
        for d in 0..<directions {
            for row in 0..<batch {
                for j in 0..<h {
                    stateGradient[((lastLayer + d) * batch + row) * h + j] =
                        finalStateGradient.scalars[(row * directions + d) * h + j]
                }
            }
        }
        let shape = pass.encoded.output.shape
        let stackGradients = try encoder.backward(
            pass.encoded,
            outputGradient: outputGradient.map { Tensor(shape: shape, scalars: $0) } ?? Tensor(shape: shape),
            finalStateGradient: Tensor(shape: pass.encoded.finalState.shape, scalars: stateGradient),
            weights: slice(.encoder, of: weights), gradients: slice(.encoder, of: gradients))
        guard let embedding = sourceEmbedding, let source = pass.source else { return }
        let embeddingGradient = Dropout(rate: configuration.inputDropout).backward(
            pass.sourceDropout, outputGradient: stackGradients.input)
        embedding.backward(source, outputGradient: embeddingGradient, gradients: slice(.sourceEmbedding, of: gradients))
    }

    /// S of a source for `batch` rows, checked against what the model reads.
    private func sourceSteps(of input: EncoderInput, batch: Int) throws -> Int {
        let features = configuration.sourceFeatureCount
        switch input {
        case .tokens where features > 0:
            throw GRUInputError(
                .tensor("source"), found: "token ids", expected: "\(features) feature values a step, as the model reads"
            )
        case .features where features == 0:
            throw GRUInputError(.tensor("source"), found: "feature vectors", expected: "token ids, as the model reads")
        case .features(let values, let width) where width != features:
            throw GRUInputError(
                .tensor("source"), found: "\(width) features a step (\(values.count) values)",
                expected: "\(features), as the model reads")
        case .features(let values, _) where !values.allSatisfy(\.isFinite):
            throw GRUInputError(.tensor("source"), found: "a NaN or infinite feature", expected: "finite values")
        default: break
        }
        guard let steps = input.steps(batch: batch), steps > 0 else {
            let count =
                switch input {
                case .tokens(let ids): "\(ids.count) ids"
                case .features(let values, _): "\(values.count) feature values"
                }
            throw GRUInputError(
                .tensor("source"), found: "\(count) for \(batch) lengths",
                expected: features > 0
                    ? "(S, B, \(features)) values, S >= 1, one length per sequence"
                    : "(S, B) ids, S >= 1, one length per sequence")
        }
        return steps
    }
}
