/// How a batch of sequences is laid out in a rank-3 tensor.
public enum SequenceLayout: String, Sendable, Codable {
    /// (T, B, features): PyTorch's default and ONNX's layout 0.
    case timeMajor
    /// (B, T, features): PyTorch's `batch_first=True`, Keras's layout.
    case batchFirst
}
