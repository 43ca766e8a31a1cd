import CGateKernels

/// One direction's W_hh and b_hh packed once for the fused recurrent step, in panels of 16
/// hidden units, so steps never repack the weights (a BLAS GEMM repacks its operands on every
/// call) and the gates are applied while the products are in registers. Reset-after steps in
/// one pass (`step`); reset-before in two over the same packing (`resetBeforeGates`, then,
/// once every unit's r * h is there, `resetBeforeCandidate`).
///
/// Threads share a step by panels: each computes its panels' units of h_t from all of
/// h_{t-1}, then all meet before the next step. Legend: B batch, H hidden size.
public final class PackedRecurrentWeights: @unchecked Sendable {
    /// The hidden size.
    public let hidden: Int
    /// The number of 16-unit panels, ceil(H / 16).
    public let panelCount: Int
    private let weights: AlignedFloats  // (panels, H, 48)
    private let bias: AlignedFloats  // (panels, 48)
    private let inputBias: AlignedFloats?  // (panels, 48)

    /// Packs W_hh (3H, H) row-major and b_hh (3H); a nil bias packs as zeros.
    ///
    /// With `inputBias` (b_ih, 3H), each step adds it to the input projection itself, so
    /// callers pass W_ih x without b_ih: putting b_ih into every one of the (T*B, 3H) rows
    /// first is a pass over memory as long as the step's own work at small batches.
    public init(
        hidden: Int, recurrentWeight: UnsafePointer<Float>, recurrentBias: UnsafePointer<Float>?,
        inputBias: UnsafePointer<Float>? = nil
    ) {
        self.hidden = hidden
        panelCount = (hidden + Int(GRU_FORWARD_PANEL_UNITS) - 1) / Int(GRU_FORWARD_PANEL_UNITS)
        weights = AlignedFloats(count: gru_forward_packed_count(hidden))
        bias = AlignedFloats(count: panelCount * 3 * Int(GRU_FORWARD_PANEL_UNITS))
        gru_pack_forward_weights(hidden, recurrentWeight, recurrentBias, weights.pointer, bias.pointer)
        let biasCount = panelCount * 3 * Int(GRU_FORWARD_PANEL_UNITS)
        self.inputBias = inputBias.map { inputBias in
            let packed = AlignedFloats(count: biasCount)
            gru_pack_forward_bias(hidden, inputBias, packed.pointer)
            return packed
        }
    }

    /// The hidden units of `panels`.
    @inlinable
    public func units(of panels: Range<Int>) -> Range<Int> {
        let size = Int(GRU_FORWARD_PANEL_UNITS)
        return min(panels.lowerBound * size, hidden)..<min(panels.upperBound * size, hidden)
    }

    /// Whether steps add b_ih themselves (see `init`).
    public var addsInputBias: Bool { inputBias != nil }

    /// One reset-after step for the units of `panels`; see `GateKernels` for the math and
    /// the masking of rows past their length.
    ///
    /// - Parameters:
    ///   - inputProjection: (B, 3H) W_ih x_t + b_ih, or W_ih x_t when `addsInputBias`.
    ///   - previousState: (B, H) h_{t-1}; state: (B, H) receives these units of h_t.
    ///   - recurrentInput: when not nil, (B, H) what W_hh multiplies instead of h_{t-1}:
    ///     h_{t-1} * mask under recurrent dropout.
    ///   - output: when not nil, row b's units of h_t (zeros past its length) go to
    ///     `output + b * outputStride`.
    ///   - gates: when not nil, (B, 3H) receives r, z, n, and candidateHiddenTerm (B, H)
    ///     receives W_hn h + b_hn: the caches backward needs.
    @inlinable
    public func step(
        batch: Int, panels: Range<Int>, time: Int, lengths: UnsafePointer<Int>,
        inputProjection: UnsafePointer<Float>, previousState: UnsafePointer<Float>,
        recurrentInput: UnsafePointer<Float>? = nil,
        state: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>?, outputStride: Int,
        gates: UnsafeMutablePointer<Float>? = nil, candidateHiddenTerm: UnsafeMutablePointer<Float>? = nil
    ) {
        gru_reset_after_packed_step(
            batch, hidden, panels.lowerBound, panels.upperBound, time, lengths, weightsPointer, biasPointer,
            inputBiasPointer, inputProjection, previousState, recurrentInput, state, output, outputStride, gates,
            candidateHiddenTerm)
    }

    /// Reset-before, first pass, for the units of `panels`: r and z into `gates` (B, 3H), and
    /// r * h_{t-1} into `resetState` (B, H), zero on a row past its length.
    @inlinable
    public func resetBeforeGates(
        batch: Int, panels: Range<Int>, time: Int, lengths: UnsafePointer<Int>,
        inputProjection: UnsafePointer<Float>, previousState: UnsafePointer<Float>,
        gates: UnsafeMutablePointer<Float>, resetState: UnsafeMutablePointer<Float>
    ) {
        gru_reset_before_packed_gates(
            batch, hidden, panels.lowerBound, panels.upperBound, time, lengths, weightsPointer, biasPointer,
            inputBiasPointer, inputProjection, previousState, gates, resetState)
    }

    /// Reset-before, second pass, for the units of `panels`: n from every unit's r * h_{t-1}
    /// (`resetState`), then h_t; `gates` receives n (and zeros on a row past its length), and
    /// `state` and `output` are written as by `step`.
    @inlinable
    public func resetBeforeCandidate(
        batch: Int, panels: Range<Int>, time: Int, lengths: UnsafePointer<Int>,
        inputProjection: UnsafePointer<Float>, previousState: UnsafePointer<Float>,
        resetState: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>,
        state: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>?, outputStride: Int
    ) {
        gru_reset_before_packed_candidate(
            batch, hidden, panels.lowerBound, panels.upperBound, time, lengths, weightsPointer, biasPointer,
            inputBiasPointer, inputProjection, previousState, resetState, gates, state, output, outputStride)
    }

    /// One reset-after step of one sequence (streaming) for the units of `panels`, walked from
    /// the last when `descending`, with each panel's input projection W_ih x_t from
    /// `inputWeights` summed in registers just before its recurrent sums: one stream of
    /// weights and no projection written. The same results as `project` then `step`, bit for
    /// bit, with b_ih added when `addsInputBias`.
    ///
    /// - Parameters:
    ///   - input: x_t, `inputWeights.inputSize` floats.
    ///   - lengths: one entry; at `time` past it, the state carries over and the output is zeros.
    ///   - previousState: h_{t-1} (H); state: receives these units of h_t; output: them as well, or nil.
    @inlinable
    public func streamingStep(
        inputWeights: PackedInputWeights, panels: Range<Int>, descending: Bool, time: Int,
        lengths: UnsafePointer<Int>, input: UnsafePointer<Float>, previousState: UnsafePointer<Float>,
        state: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>?
    ) {
        gru_reset_after_streaming_step(
            inputWeights.inputSize, hidden, panels.lowerBound, panels.upperBound, descending, time, lengths,
            inputWeights.weightsPointer, weightsPointer, biasPointer, inputBiasPointer, input, previousState, state,
            output)
    }

    /// Reset-before's first pass of one streaming step for the units of `panels` (walked from
    /// the last when `descending`), each panel's input projection summed in registers as in
    /// `streamingStep`: `gates` and `resetState` as `resetBeforeGates` writes them, and the n
    /// columns of `inputProjection` (3H) receive W_in x_t for `resetBeforeCandidate`, which runs
    /// after as before. Bit for bit the results of `project` then `resetBeforeGates`.
    @inlinable
    public func resetBeforeStreamingGates(
        inputWeights: PackedInputWeights, panels: Range<Int>, descending: Bool, time: Int,
        lengths: UnsafePointer<Int>, input: UnsafePointer<Float>, previousState: UnsafePointer<Float>,
        inputProjection: UnsafeMutablePointer<Float>, gates: UnsafeMutablePointer<Float>,
        resetState: UnsafeMutablePointer<Float>
    ) {
        gru_reset_before_streaming_gates(
            inputWeights.inputSize, hidden, panels.lowerBound, panels.upperBound, descending, time, lengths,
            inputWeights.weightsPointer, weightsPointer, biasPointer, inputBiasPointer, input, previousState,
            inputProjection, gates, resetState)
    }

    @usableFromInline var weightsPointer: UnsafePointer<Float> { UnsafePointer(weights.pointer) }
    @usableFromInline var biasPointer: UnsafePointer<Float> { UnsafePointer(bias.pointer) }
    @usableFromInline var inputBiasPointer: UnsafePointer<Float>? { inputBias.map { UnsafePointer($0.pointer) } }
}
