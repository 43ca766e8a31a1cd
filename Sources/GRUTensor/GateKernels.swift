import CGateKernels

/// The GRU's elementwise gate arithmetic of one backward time step, fused into single
/// vectorized passes over preallocated buffers (C, in CGateKernels); the forward gate math runs
/// inside the packed steps (`PackedRecurrentWeights`). The matrix products around them are the
/// caller's; `NaiveGateKernels` is the slow twin of both for tests.
///
/// Legend: B batch rows, H hidden size. Gate blocks are ordered r (reset), z (update),
/// n (candidate), as in PyTorch, so a (B, 3H) buffer holds [r | z | n] in each row.
///
/// The two variants (see `GRUVariant` in GRUNetworks for the equations):
/// - reset-after:  n = tanh(Wx_n + b_in + r * (W_hn h + b_hn))
/// - reset-before: n = tanh(Wx_n + b_in + W_hn (r * h) + b_hn)
/// and for both h' = (1 - z) * n + z * h.
///
/// Masking: row b is active at time t when t < lengths[b]. An inactive row carries its state
/// unchanged, stores zero gates and passes its state gradient straight through, which gives
/// PyTorch packed-sequence and ONNX sequence_lens semantics for both directions.
///
/// sigmoid and tanh use a polynomial exp with relative error about 1e-7.
public enum GateKernels {
    // MARK: - Reset-after

    /// Backward step of the reset-after GRU for hidden units `first..<first + width` (all
    /// buffers full width), so threads can share one step.
    ///
    /// - Parameters:
    ///   - stateGradient: (B, H) dL/dh_t, everything that flows into h_t.
    ///   - gates: (B, 3H) the step's gates on input; on output dL/d(W_hh h + b_hh), written in
    ///     place so backward needs no second (T, B, 3H) buffer.
    ///   - inputProjectionGradient: (B, 3H) receives dL/d(W_ih x_t + b_ih).
    ///   - previousStateGradient: (B, H) receives the direct part of dL/dh_{t-1}; the caller
    ///     adds (hidden projection gradient) * W_hh.
    @inlinable
    public static func resetAfterBackward(
        batch: Int, hidden: Int, first: Int, width: Int, time: Int, lengths: UnsafePointer<Int>,
        stateGradient: UnsafePointer<Float>, previousState: UnsafePointer<Float>,
        gates: UnsafeMutablePointer<Float>, candidateHiddenTerm: UnsafePointer<Float>,
        inputProjectionGradient: UnsafeMutablePointer<Float>,
        previousStateGradient: UnsafeMutablePointer<Float>
    ) {
        gru_reset_after_backward_columns(
            batch, hidden, first, width, time, lengths, stateGradient, previousState, gates,
            candidateHiddenTerm, inputProjectionGradient, previousStateGradient)
    }

    // MARK: - Reset-before

    /// First half of a reset-before backward step, for hidden units `first..<first + width`:
    /// the candidate and update gate gradients.
    ///
    /// Writes the z and n blocks of the input projection gradient and, in place over the
    /// gates' z and n blocks, of the hidden projection gradient (its n block is
    /// dL/d(W_hn (r h) + b_hn)), and the direct dL/dh_{t-1} = dh * z. The r block still holds
    /// r for `resetBeforeBackwardReset`, after the caller forms d(r h) = dn_pre * W_hn.
    @inlinable
    public static func resetBeforeBackwardCandidate(
        batch: Int, hidden: Int, first: Int, width: Int, time: Int, lengths: UnsafePointer<Int>,
        stateGradient: UnsafePointer<Float>, previousState: UnsafePointer<Float>,
        gates: UnsafeMutablePointer<Float>, inputProjectionGradient: UnsafeMutablePointer<Float>,
        previousStateGradient: UnsafeMutablePointer<Float>
    ) {
        gru_reset_before_backward_candidate(
            batch, hidden, first, width, time, lengths, stateGradient, previousState, gates,
            inputProjectionGradient, previousStateGradient)
    }

    /// Second half of a reset-before backward step, for hidden units `first..<first + width`:
    /// the reset gate gradient.
    ///
    /// - Parameters:
    ///   - resetStateGradient: (B, H) dL/d(r * h_{t-1}), that is dn_pre * W_hn.
    ///   - gates: (B, 3H) whose r block, still r, becomes the r block of the hidden projection
    ///     gradient.
    ///   - previousStateGradient: (B, H) accumulates dL/d(r h) * r.
    @inlinable
    public static func resetBeforeBackwardReset(
        batch: Int, hidden: Int, first: Int, width: Int, time: Int, lengths: UnsafePointer<Int>,
        resetStateGradient: UnsafePointer<Float>, previousState: UnsafePointer<Float>,
        gates: UnsafeMutablePointer<Float>, inputProjectionGradient: UnsafeMutablePointer<Float>,
        previousStateGradient: UnsafeMutablePointer<Float>
    ) {
        gru_reset_before_backward_reset(
            batch, hidden, first, width, time, lengths, resetStateGradient, previousState, gates,
            inputProjectionGradient, previousStateGradient)
    }
}
