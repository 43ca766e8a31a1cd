/// The precision of the weights a GRU's inference reads: float32 (what training computes),
/// bfloat16 weights with float32 arithmetic, or int8 weights with a float scale per output row
/// and activations quantized per row and step, summed exactly in int32 (as PyTorch's
/// `quantize_dynamic` runs `nn.GRU`). Biases and states stay float32 in every precision.
///
/// Low precision pays where a step is bound by reading its weights (one sequence, streaming):
/// bf16 halves the bytes, int8 quarters them. `QuantizedPanels` defines the arithmetic.
public enum InferencePrecision: String, CaseIterable, Sendable, Codable {
    case float32
    case bf16
    case int8

    /// Bytes a weight takes.
    public var bytesPerWeight: Int {
        switch self {
        case .float32: 4
        case .bf16: 2
        case .int8: 1
        }
    }
}
