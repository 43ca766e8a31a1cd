import GRUNetworks
import GRUTensor

/// A GRU model's recurrent stack for inference at bf16 or int8 (`InferencePrecision`): a
/// `GRUInferenceSession` over the stack's weights, made once when the model is switched to the
/// precision (`SequenceModel.atPrecision`), so that the weights are quantized once, not per
/// batch. Evaluation, prediction and generation run it one call at a time, never at once.
final class LowPrecisionRecurrence: @unchecked Sendable {
    private let session: GRUInferenceSession

    /// The stack of a GRU model whose recurrent slice is `weights`; `int8Weights` are the
    /// stack's weights already quantized, by the GRU's tensor names (`weight_ih_l0`).
    init(
        configuration: GRUConfiguration, weights: ArraySlice<Float>, precision: InferencePrecision,
        int8Weights: [String: Int8Rows]
    ) {
        var parameters = GRUParameters(zerosFor: configuration)
        precondition(parameters.values.count == weights.count, "the GRU's slice has the GRU's layout")
        parameters.values = Array(weights)
        session = GRUInferenceSession(GRU(parameters: parameters), precision: precision, int8Weights: int8Weights)
    }

    var precision: InferencePrecision { session.precision }
    /// Bytes of the packed weights the steps read.
    var weightBytes: Int { session.weightBytes }

    /// The stack's output (T, B, D*H) and final state over a time-major batch.
    func run(_ input: Tensor, initialState: Tensor?, lengths: [Int]) throws -> (output: Tensor, finalState: Tensor) {
        try session.run(input, initialState: initialState, lengths: lengths)
    }
}
