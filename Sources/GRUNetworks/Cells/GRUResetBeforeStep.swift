import GRUTensor

/// The reset-before GRU step (Cho et al. 2014, Keras `reset_after=False`, ONNX default),
/// forward beside backward; the math is on `GRUVariant`.
///
/// Forward is two passes over the packed W_hh: r, z and r * h (cached in `auxiliary`), then,
/// once every unit's r * h is there, n = tanh(gx_n + W_hn (r * h) + b_hn) and h_t. Backward
/// runs the same passes in reverse: the candidate's and update gate's gradients, dL/d(r * h) =
/// dL/d(gh_n) W_hn, the reset gate's gradients, then dL/d(gh_r, gh_z) W_h[r, z]; each product
/// needs every unit of the pass before it. Legend: B batch rows, H hidden size.
enum GRUResetBeforeStep {
    /// One step; `step.gates` (B, 3H) and `step.auxiliary` (B, H) are required, as caches or room.
    static func forward(_ step: RecurrentForwardStep, weights: PackedRecurrentWeights, barrier: StepBarrier) {
        let gates = step.gates!, resetState = step.auxiliary!
        weights.resetBeforeGates(
            batch: step.rows, panels: step.panels, time: step.time, lengths: step.lengths,
            inputProjection: step.inputProjection, previousState: step.recurrentInput ?? step.previousState,
            gates: gates, resetState: resetState)
        barrier.wait()
        weights.resetBeforeCandidate(
            batch: step.rows, panels: step.panels, time: step.time, lengths: step.lengths,
            inputProjection: step.inputProjection, previousState: step.previousState, resetState: resetState,
            gates: gates, state: step.state, output: step.output, outputStride: step.outputStride)
    }

    /// dL/d(gx) and dL/d(gh) (over the gates), dL/dh_{t-1} = dh * z directly, and
    /// dL/d(recurrent input) += dL/d(r * h) * r + dL/d(gh_r, gh_z) W_h[r, z].
    static func backward(
        _ step: RecurrentBackwardStep, weights: PackedRecurrentGradientWeights, barrier: StepBarrier
    ) {
        let hidden = weights.hidden
        let resetStateGradient = step.scratch
        GateKernels.resetBeforeBackwardCandidate(
            batch: step.rows, hidden: hidden, first: step.units.lowerBound, width: step.units.count,
            time: step.time, lengths: step.lengths, stateGradient: step.stateGradient,
            previousState: step.previousState, gates: step.gates,
            inputProjectionGradient: step.inputProjectionGradient, previousStateGradient: step.previousStateGradient)
        barrier.wait()
        weights.multiply(
            batch: step.rows, panels: step.panels, weightRows: (2 * hidden)..<(3 * hidden), a: step.gates,
            into: resetStateGradient, overwrite: true)
        GateKernels.resetBeforeBackwardReset(
            batch: step.rows, hidden: hidden, first: step.units.lowerBound, width: step.units.count,
            time: step.time, lengths: step.lengths, resetStateGradient: resetStateGradient,
            previousState: step.recurrentInput, gates: step.gates,
            inputProjectionGradient: step.inputProjectionGradient, previousStateGradient: step.recurrentInputGradient)
        barrier.wait()
        weights.multiply(
            batch: step.rows, panels: step.panels, weightRows: 0..<(2 * hidden), a: step.gates,
            into: step.recurrentInputGradient, overwrite: false)
    }

    /// dW_hh (3H, H) += dL/d(gh)^T against what each gate's product saw: the recurrent inputs
    /// for r and z, r * h (`resetStates`, T*B rows of H) for n.
    static func accumulateRecurrentWeightGradient(
        rows: Int, hidden: Int, hiddenProjectionGradient: UnsafePointer<Float>,
        recurrentInputs: UnsafePointer<Float>, resetStates: UnsafePointer<Float>,
        into gradient: UnsafeMutablePointer<Float>
    ) {
        Matmul.gemm(
            transposeA: true, transposeB: false, m: 2 * hidden, n: hidden, k: rows,
            a: hiddenProjectionGradient, lda: 3 * hidden, b: recurrentInputs, ldb: hidden,
            beta: 1, c: gradient, ldc: hidden)
        Matmul.gemm(
            transposeA: true, transposeB: false, m: hidden, n: hidden, k: rows,
            a: hiddenProjectionGradient + 2 * hidden, lda: 3 * hidden, b: resetStates, ldb: hidden,
            beta: 1, c: gradient + 2 * hidden * hidden, ldc: hidden)
    }
}
