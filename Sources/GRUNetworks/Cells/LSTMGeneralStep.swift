import GRUTensor

/// The LSTM step with any activations (Keras `activation` f for g and c in h,
/// `recurrent_activation` s for i, f, o), forward beside backward, on the fused step's weights:
///
///     i = s(a_i), f = s(a_f), g = f(a_g), o = s(a_o),  c' = f * c + i * g,  h' = o * f(c')
///
/// The products, caches (i, f, g, o; c_t in the cell-state trace) and the masking of rows past
/// their length are `LSTMStep`'s; only the elementwise passes differ, taking f' and s' from
/// the cached outputs and recomputing f(c_t) from c_t. PyTorch's activations take `LSTMStep`.
/// Legend: B batch rows, H hidden size.
enum LSTMGeneralStep {
    /// One step; `step.gates` is the room for gh and receives the gate cache.
    static func forward(
        _ step: RecurrentForwardStep, weights: LSTMStepWeights, activation: RecurrentActivation,
        recurrentActivation: RecurrentActivation, barrier: StepBarrier
    ) {
        guard let gates = step.gates, let previousCellState = step.previousCellState, let cellState = step.cellState
        else { preconditionFailure("the LSTM step needs its gate room and the cell states") }
        let hidden = weights.hidden, h4 = 4 * hidden
        weights.transposedWeight.product(
            batch: step.rows, panels: weights.productPanels(of: step.panels),
            a: step.recurrentInput ?? step.previousState, lda: hidden, into: gates)
        // The gates of a unit need all four of its gate columns.
        barrier.wait()
        let units = weights.units(of: step.panels)
        let bias = weights.bias.map { UnsafePointer($0.pointer) }
        let act = activation, gate = recurrentActivation
        for b in 0..<step.rows {
            let g = gates + b * h4, gx = step.inputProjection + b * h4  // (4H)
            let previous = step.previousState + b * hidden, state = step.state + b * hidden
            let previousCell = previousCellState + b * hidden, cell = cellState + b * hidden
            let output = step.output.map { $0 + b * step.outputStride }
            guard step.time < step.lengths[b] else {
                for u in units {
                    state[u] = previous[u]
                    cell[u] = previousCell[u]
                    output?[u] = 0
                    for k in 0..<4 { g[k * hidden + u] = 0 }
                }
                continue
            }
            for u in units {
                func preactivation(_ k: Int) -> Float {
                    gx[k * hidden + u] + g[k * hidden + u] + (bias?[k * hidden + u] ?? 0)
                }
                let i = gate(preactivation(0)), f = gate(preactivation(1))
                let candidate = act(preactivation(2)), o = gate(preactivation(3))
                let c = f * previousCell[u] + i * candidate
                let h = o * act(c)
                g[u] = i
                g[hidden + u] = f
                g[2 * hidden + u] = candidate
                g[3 * hidden + u] = o
                cell[u] = c
                state[u] = h
                output?[u] = h
            }
        }
    }

    /// dL/da (over the gates and into the input projection gradient), dL/dc_{t-1}, the direct
    /// dL/dh_{t-1} and dL/d(recurrent input) += dL/da W_hh:
    ///
    ///     dc~ = dL/dc_t + dh o f'(c_t),  da_i = dc~ g s'(i),  da_f = dc~ c_{t-1} s'(f),
    ///     da_g = dc~ i f'(g),  da_o = dh f(c_t) s'(o),  dL/dc_{t-1} = dc~ f
    static func backward(
        _ step: RecurrentBackwardStep, weights: LSTMGradientWeights, activation: RecurrentActivation,
        recurrentActivation: RecurrentActivation, barrier: StepBarrier
    ) {
        guard let previousCellState = step.previousCellState, let cellState = step.cellState,
            let cellStateGradient = step.cellStateGradient,
            let previousCellStateGradient = step.previousCellStateGradient
        else { preconditionFailure("the LSTM backward step needs the cell states and their gradients") }
        let hidden = weights.hidden, h4 = 4 * hidden
        let act = activation, gate = recurrentActivation
        for b in 0..<step.rows {
            let row = b * hidden
            let g = step.gates + b * h4, dgx = step.inputProjectionGradient + b * h4  // (4H); dL/da over g
            let dh = step.stateGradient + row, dc = cellStateGradient + row
            let dPrevious = step.previousStateGradient + row, dPreviousCell = previousCellStateGradient + row
            guard step.time < step.lengths[b] else {
                for u in step.units {
                    dPrevious[u] = dh[u]
                    dPreviousCell[u] = dc[u]
                    for k in 0..<4 {
                        g[k * hidden + u] = 0
                        dgx[k * hidden + u] = 0
                    }
                }
                continue
            }
            for u in step.units {
                let i = g[u], f = g[hidden + u], candidate = g[2 * hidden + u], o = g[3 * hidden + u]
                let activatedCell = act(cellState[row + u])
                let dCell = dc[u] + dh[u] * o * act.derivative(output: activatedCell)
                let di = dCell * candidate * gate.derivative(output: i)
                let df = dCell * previousCellState[row + u] * gate.derivative(output: f)
                let dg = dCell * i * act.derivative(output: candidate)
                let dO = dh[u] * activatedCell * gate.derivative(output: o)
                g[u] = di
                g[hidden + u] = df
                g[2 * hidden + u] = dg
                g[3 * hidden + u] = dO
                dgx[u] = di
                dgx[hidden + u] = df
                dgx[2 * hidden + u] = dg
                dgx[3 * hidden + u] = dO
                dPreviousCell[u] = dCell * f
                dPrevious[u] = 0
            }
        }
        // The product needs every unit's dL/da.
        barrier.wait()
        weights.weight.accumulateProduct(
            batch: step.rows, panels: step.panels, a: step.gates, lda: h4, into: step.recurrentInputGradient)
    }
}
