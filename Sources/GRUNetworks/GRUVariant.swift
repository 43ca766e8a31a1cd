/// Which of the two published GRU formulations a layer computes.
///
/// With gates r (reset), z (update) and n (candidate), for input x and previous state h:
///
///     r  = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
///     z  = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
///     n  = tanh(W_in x + b_in + r * (W_hn h + b_hn))     reset-after
///     n  = tanh(W_in x + b_in + W_hn (r * h) + b_hn)     reset-before
///     h' = (1 - z) * n + z * h
///
/// Weight rows are stacked in the gate order r, z, n (PyTorch's), so `weight_ih` is (3H, I)
/// and `weight_hh` is (3H, H). Other frameworks' gate orders are mapped in Interop/.
public enum GRUVariant: String, CaseIterable, Sendable, Codable {
    /// The reset gate scales the projected state: PyTorch, cuDNN, Keras `reset_after=True`,
    /// ONNX `linear_before_reset=1`.
    case resetAfter = "reset-after"
    /// The reset gate scales the state before its projection: Cho et al. 2014, Keras
    /// `reset_after=False`, ONNX's default.
    case resetBefore = "reset-before"
}
