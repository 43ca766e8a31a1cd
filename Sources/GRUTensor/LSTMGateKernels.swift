import CGateKernels

/// The LSTM's elementwise gate arithmetic of one time step, forward and backward, each fused
/// into one vectorized pass over a share of the hidden units (C, in CGateKernels); the matrix
/// products around them are the caller's. `NaiveLSTMGateKernels` is the slow twin for tests.
///
/// Legend: B batch rows, H hidden size. Gate blocks are ordered i (input), f (forget),
/// g (cell candidate), o (output), as in PyTorch's `nn.LSTM`, so a (B, 4H) buffer holds
/// [i | f | g | o] in each row. With a = W_ih x + b_ih + W_hh h + b_hh:
///
///     i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
///     c' = f * c + i * g,  h' = o * tanh(c')
///
/// Masking: row b is active at time t when t < lengths[b]. An inactive row carries h and c,
/// outputs zeros, stores zero gates and passes dL/dh and dL/dc straight through (PyTorch
/// packed-sequence and ONNX sequence_lens semantics).
public enum LSTMGateKernels {
    /// Forward gates of units `first..<first + width` (all buffers full width).
    ///
    /// - Parameters:
    ///   - inputProjection: (B, 4H) W_ih x_t, without b_ih.
    ///   - bias: (4H) b_ih + b_hh, or nil.
    ///   - gates: (B, 4H) W_hh h_{t-1} on entry; the activated i, f, g, o on return.
    ///   - previousState, previousCellState: (B, H) h_{t-1} and c_{t-1}.
    ///   - state, cellState: (B, H) receive h_t and c_t.
    ///   - output: receives row b's h_t at output + b * outputStride, or nil.
    @inlinable
    public static func forward(
        batch: Int, hidden: Int, first: Int, width: Int, time: Int, lengths: UnsafePointer<Int>,
        inputProjection: UnsafePointer<Float>, bias: UnsafePointer<Float>?, gates: UnsafeMutablePointer<Float>,
        previousState: UnsafePointer<Float>, previousCellState: UnsafePointer<Float>,
        state: UnsafeMutablePointer<Float>, cellState: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>?, outputStride: Int
    ) {
        lstm_forward_units(
            batch, hidden, first, width, time, lengths, inputProjection, bias, gates, previousState,
            previousCellState, state, cellState, output, outputStride)
    }

    /// `forward` on one unit block of a regrouped layout (GRUNetworks' `LSTMRegroupedWeights`):
    /// in each row the block's gates i, f, g, o lie `blockUnits` apart in `inputProjection`,
    /// `bias` and `gates` (rows `gatesRowStride` apart), its units 0..<width in the states (rows
    /// `stateRowStride` apart); every pointer starts at the block. For inference: `gates` holds
    /// W_hh h_{t-1} on entry and is scratch afterwards (no activated gates are kept).
    @inlinable
    public static func forwardRegrouped(
        batch: Int, blockUnits: Int, width: Int, time: Int, lengths: UnsafePointer<Int>,
        inputProjection: UnsafePointer<Float>, gatesRowStride: Int, bias: UnsafePointer<Float>?,
        gates: UnsafeMutablePointer<Float>, previousState: UnsafePointer<Float>,
        previousCellState: UnsafePointer<Float>, state: UnsafeMutablePointer<Float>,
        cellState: UnsafeMutablePointer<Float>, stateRowStride: Int, output: UnsafeMutablePointer<Float>?,
        outputStride: Int
    ) {
        lstm_forward_regrouped_rows(
            batch, blockUnits, width, time, lengths, inputProjection, gatesRowStride, bias, gates, previousState,
            previousCellState, state, cellState, stateRowStride, output, outputStride)
    }

    /// Backward gates of units `first..<first + width` (all buffers full width):
    ///
    ///     dc~ = dL/dc_t + dh * o * (1 - tanh(c_t)^2)
    ///     da_i = dc~ g i (1 - i), da_f = dc~ c_{t-1} f (1 - f), da_g = dc~ i (1 - g^2),
    ///     da_o = dh tanh(c_t) o (1 - o), dL/dc_{t-1} = dc~ f
    ///
    /// - Parameters:
    ///   - stateGradient, cellStateGradient: (B, H) dL/dh_t and dL/dc_t.
    ///   - gates: (B, 4H) the activated gates on entry; dL/da on return.
    ///   - inputProjectionGradient: (B, 4H) receives dL/da too.
    ///   - previousStateGradient: (B, H) receives the direct part of dL/dh_{t-1}: zero on
    ///     active rows (the caller adds dL/da W_hh), dL/dh_t on inactive ones.
    ///   - previousCellStateGradient: (B, H) receives dL/dc_{t-1}.
    @inlinable
    public static func backward(
        batch: Int, hidden: Int, first: Int, width: Int, time: Int, lengths: UnsafePointer<Int>,
        stateGradient: UnsafePointer<Float>, cellStateGradient: UnsafePointer<Float>,
        previousCellState: UnsafePointer<Float>, cellState: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>,
        inputProjectionGradient: UnsafeMutablePointer<Float>, previousStateGradient: UnsafeMutablePointer<Float>,
        previousCellStateGradient: UnsafeMutablePointer<Float>
    ) {
        lstm_backward_units(
            batch, hidden, first, width, time, lengths, stateGradient, cellStateGradient, previousCellState,
            cellState, gates, inputProjectionGradient, previousStateGradient, previousCellStateGradient)
    }
}
