import GRUTensor

/// One layer's and direction's GRU weights at a low precision, for inference: W_ih (3H, I)
/// with b_ih and W_hh (3H, H) with b_hh, each as `QuantizedPanels`. Reset-before multiplies
/// W_hr and W_hz by h and W_hn by r * h, both from the recurrent panels.
///
/// Legend: I input size, H hidden size.
public final class QuantizedGRUWeights: @unchecked Sendable {
    /// W_ih with b_ih.
    public let input: QuantizedPanels
    /// W_hh with b_hh.
    public let recurrent: QuantizedPanels

    /// Rounds or quantizes float weights; the biases (3H each, or nil for none) stay float32.
    public init(
        precision: InferencePrecision, inputSize: Int, hidden: Int, inputWeight: UnsafePointer<Float>,
        recurrentWeight: UnsafePointer<Float>, inputBias: UnsafePointer<Float>?, recurrentBias: UnsafePointer<Float>?
    ) {
        input = QuantizedPanels(
            precision: precision, innerSize: inputSize, hidden: hidden, weights: inputWeight, bias: inputBias)
        recurrent = QuantizedPanels(
            precision: precision, innerSize: hidden, hidden: hidden, weights: recurrentWeight, bias: recurrentBias)
    }

    /// Weights already quantized (a quantized model's int8 rows and scales).
    public init(input: QuantizedPanels, recurrent: QuantizedPanels) {
        precondition(input.precision == recurrent.precision && input.hidden == recurrent.hidden)
        self.input = input
        self.recurrent = recurrent
    }

    /// H.
    public var hidden: Int { recurrent.hidden }
    /// I.
    public var inputSize: Int { input.innerSize }
    /// bf16 or int8.
    public var precision: InferencePrecision { recurrent.precision }
    /// Bytes of both packed matrices.
    public var weightBytes: Int { input.weightBytes + recurrent.weightBytes }
}
