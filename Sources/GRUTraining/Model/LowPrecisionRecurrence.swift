import GRUNetworks
import GRUTensor

/// A GRU model's recurrent stack for inference at bf16 or int8 (`InferencePrecision`): a
/// `GRUInferenceSession` over the stack's weights, made once when the model is switched to the
/// precision (`SequenceModel.atPrecision`), so that the weights are quantized once, not per
/// batch. Evaluation, prediction and generation run it one call at a time, never at once.
final class LowPrecisionRecurrence: @unchecked Sendable {
    private let session: GRUInferenceSession

    /// The stack of a GRU model whose recurrent slice is `weights`.
    init(configuration: GRUConfiguration, weights: ArraySlice<Float>, precision: InferencePrecision) {
        var parameters = GRUParameters(zerosFor: configuration)
        precondition(parameters.values.count == weights.count, "the GRU's slice has the GRU's layout")
        parameters.values = Array(weights)
        session = GRUInferenceSession(GRU(parameters: parameters), precision: precision)
    }

    var precision: InferencePrecision { session.precision }

    /// The stack's output (T, B, D*H) and final state over a time-major batch.
    func run(_ input: Tensor, initialState: Tensor?, lengths: [Int]) throws -> (output: Tensor, finalState: Tensor) {
        try session.run(input, initialState: initialState, lengths: lengths)
    }
}
