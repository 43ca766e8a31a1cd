import Foundation
import GRUNetworks
import GRUTensor

/// The encoder side of an `EncoderDecoderModel` pass, kept for its backward: the source
/// embeddings (and their dropout in training), the GRU stack's outputs and final states, and
/// the context c = tanh(context(the last layer's final states)), (B, H).
struct EncoderPass {
    let source: Embedding.ForwardResult
    let sourceDropout: Dropout.ForwardResult
    let encoded: RecurrentForwardResult
    let contextLinear: Linear.ForwardResult
    let context: Tensor
}

extension EncoderDecoderModel {
    /// Encodes (S, B) time-major source ids with their lengths, with a training pass's
    /// `dropout`, or nil for inference.
    func encoderPass(
        source ids: [Int], lengths: [Int], weights: UnsafeBufferPointer<Float>, dropout: EncoderDecoderDropout? = nil
    ) throws -> EncoderPass {
        let batch = lengths.count, directions = configuration.directionCount
        let steps = ids.count / batch
        let source = try sourceEmbedding.forward(
            ids, shape: [steps, batch], weights: slice(.sourceEmbedding, of: weights))
        let sourceDropout = Dropout(rate: configuration.inputDropout).forward(
            source.output, mask: dropout?.sourceEmbeddingMask(steps: steps, batch: batch))
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
        let embeddingGradient = Dropout(rate: configuration.inputDropout).backward(
            pass.sourceDropout, outputGradient: stackGradients.input)
        sourceEmbedding.backward(
            pass.source, outputGradient: embeddingGradient, gradients: slice(.sourceEmbedding, of: gradients))
    }
}
