import GRUTensor

/// The LSTM step, forward beside backward; the math is on `LSTMCell` and `LSTMGateKernels`.
///
/// Forward forms gh = h W_hh^T for its share of the 4H columns, then (once every column is
/// there) applies the gates to its units in one fused pass, caching i, f, g, o; c_t lives in
/// the sweep's cell-state trace. Backward forms dL/da for its units in one fused pass, then
/// (once every unit's dL/da is there) adds dL/da W_hh to dL/d(recurrent input).
/// Legend: B batch rows, H hidden size.
enum LSTMStep {
    /// One step; `step.gates` is the room for gh and receives the gate cache.
    static func forward(_ step: RecurrentForwardStep, weights: LSTMStepWeights, barrier: StepBarrier) {
        guard let gates = step.gates, let previousCellState = step.previousCellState, let cellState = step.cellState
        else { preconditionFailure("the LSTM step needs its gate room and the cell states") }
        let hidden = weights.hidden
        weights.transposedWeight.product(
            batch: step.rows, panels: weights.productPanels(of: step.panels),
            a: step.recurrentInput ?? step.previousState, lda: hidden, into: gates)
        // The gates of a unit need all four of its gate columns.
        barrier.wait()
        let units = weights.units(of: step.panels)
        LSTMGateKernels.forward(
            batch: step.rows, hidden: hidden, first: units.lowerBound, width: units.count, time: step.time,
            lengths: step.lengths, inputProjection: step.inputProjection,
            bias: weights.bias.map { UnsafePointer($0.pointer) }, gates: gates, previousState: step.previousState,
            previousCellState: previousCellState, state: step.state, cellState: cellState, output: step.output,
            outputStride: step.outputStride)
    }

    /// dL/da (over the gates and into the input projection gradient), dL/dc_{t-1}, the direct
    /// dL/dh_{t-1} and dL/d(recurrent input) += dL/da W_hh.
    static func backward(_ step: RecurrentBackwardStep, weights: LSTMGradientWeights, barrier: StepBarrier) {
        guard let previousCellState = step.previousCellState, let cellState = step.cellState,
            let cellStateGradient = step.cellStateGradient,
            let previousCellStateGradient = step.previousCellStateGradient
        else { preconditionFailure("the LSTM backward step needs the cell states and their gradients") }
        LSTMGateKernels.backward(
            batch: step.rows, hidden: weights.hidden, first: step.units.lowerBound, width: step.units.count,
            time: step.time, lengths: step.lengths, stateGradient: step.stateGradient,
            cellStateGradient: cellStateGradient, previousCellState: previousCellState, cellState: cellState,
            gates: step.gates, inputProjectionGradient: step.inputProjectionGradient,
            previousStateGradient: step.previousStateGradient, previousCellStateGradient: previousCellStateGradient)
        // The product needs every unit's dL/da.
        barrier.wait()
        weights.weight.accumulateProduct(
            batch: step.rows, panels: step.panels, a: step.gates, lda: 4 * weights.hidden,
            into: step.recurrentInputGradient)
    }
}
