import GRUTensor

/// The reset-after GRU step (PyTorch, cuDNN, Keras `reset_after=True`, ONNX
/// `linear_before_reset=1`), forward beside backward; the math is on `GRUVariant`.
///
/// Forward is one pass over the packed W_hh: gh = W_hh h + b_hh, with the gates applied while
/// the sums are in registers, caching r, z, n and gh_n = W_hn h + b_hn. Backward forms the gate
/// gradients, then, once every unit's dL/d(gh) is there, adds dL/d(gh) W_hh to dL/dh_{t-1}.
/// Legend: B batch rows, H hidden size.
enum GRUResetAfterStep {
    /// One step; `step.gates` and `step.auxiliary` receive the caches when not nil.
    static func forward(_ step: RecurrentForwardStep, weights: PackedRecurrentWeights) {
        weights.step(
            batch: step.rows, panels: step.panels, time: step.time, lengths: step.lengths,
            inputProjection: step.inputProjection, previousState: step.previousState,
            recurrentInput: step.recurrentInput, state: step.state, output: step.output,
            outputStride: step.outputStride, gates: step.gates, candidateHiddenTerm: step.auxiliary)
    }

    /// dL/d(gx) and dL/d(gh) (over the gates), dL/dh_{t-1} = dh * z directly, and
    /// dL/d(recurrent input) += dL/d(gh) W_hh.
    static func backward(
        _ step: RecurrentBackwardStep, weights: PackedRecurrentGradientWeights, barrier: StepBarrier
    ) {
        GateKernels.resetAfterBackward(
            batch: step.rows, hidden: weights.hidden, first: step.units.lowerBound, width: step.units.count,
            time: step.time, lengths: step.lengths, stateGradient: step.stateGradient,
            previousState: step.previousState, gates: step.gates, candidateHiddenTerm: step.auxiliary,
            inputProjectionGradient: step.inputProjectionGradient, previousStateGradient: step.previousStateGradient)
        // The product needs every unit's dL/d(gh).
        barrier.wait()
        weights.accumulate(
            batch: step.rows, panels: step.panels, hiddenProjectionGradient: step.gates,
            stateGradient: step.recurrentInputGradient)
    }

    /// dW_hh (3H, H) += dL/d(gh)^T (recurrent inputs), over all T*B rows.
    static func accumulateRecurrentWeightGradient(
        rows: Int, hidden: Int, hiddenProjectionGradient: UnsafePointer<Float>,
        recurrentInputs: UnsafePointer<Float>, into gradient: UnsafeMutablePointer<Float>
    ) {
        RecurrentSweep.accumulateRecurrentWeightGradient(
            gates: 3, rows: rows, hidden: hidden, hiddenProjectionGradient: hiddenProjectionGradient,
            recurrentInputs: recurrentInputs, into: gradient)
    }
}
