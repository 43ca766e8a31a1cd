import GRUTensor

/// The reset-before GRU step with any activations (Keras `activation` f for n,
/// `recurrent_activation` s for r and z), forward beside backward; the math is on
/// `GRUVariant` with tanh -> f and sigmoid -> s. PyTorch's activations take the fused
/// `GRUResetBeforeStep` instead.
///
/// Forward: gh_[r,z] = h W_h[r,z]^T for its share of those columns (into `step.gates`); once
/// every column is there, r, z and r * h (cached in `auxiliary`) for its units; once every
/// unit's r * h is there, W_hn (r * h) for its units (into `step.state`), then n and h_t.
/// Backward runs the fused step's passes and products with f' and s' from the cached outputs.
/// The caches and the masking of rows past their length are those of the fused step.
/// Legend: B batch rows, H hidden size.
enum GRUResetBeforeGeneralStep {
    /// One step; `step.gates` (B, 3H) and `step.auxiliary` (B, H) are required, as caches or room.
    static func forward(
        _ step: RecurrentForwardStep, weights: GRUGeneralStepWeights, activations: GRUActivations,
        barrier: StepBarrier
    ) {
        guard let gates = step.gates, let resetState = step.auxiliary,
            let candidateWeight = weights.transposedCandidateWeight
        else { preconditionFailure("the general reset-before step needs its room and W_hn") }
        let hidden = weights.hidden, h3 = 3 * hidden
        let f = activations.candidate, s = activations.gate
        let recurrentInput = step.recurrentInput ?? step.previousState
        weights.transposedWeight.product(
            batch: step.rows, panels: weights.productPanels(of: step.panels, columns: 2 * hidden),
            a: recurrentInput, lda: hidden, into: gates)
        // r and z of a unit need both of its columns.
        barrier.wait()
        let units = weights.units(of: step.panels)
        let bi = UnsafePointer(weights.inputBias.pointer), bh = UnsafePointer(weights.recurrentBias.pointer)
        for b in 0..<step.rows {
            let g = gates + b * h3, gx = step.inputProjection + b * h3  // (3H)
            let input = recurrentInput + b * hidden, rh = resetState + b * hidden
            guard step.time < step.lengths[b] else {
                for u in units { rh[u] = 0 }
                continue
            }
            for u in units {
                let r = s(gx[u] + bi[u] + g[u] + bh[u])
                g[u] = r
                g[hidden + u] = s(gx[hidden + u] + bi[hidden + u] + g[hidden + u] + bh[hidden + u])
                rh[u] = r * input[u]
            }
        }
        // W_hn (r * h) reads every unit's r * h.
        barrier.wait()
        // (B, H) W_hn (r * h) into h_t's units.
        candidateWeight.product(batch: step.rows, panels: step.panels, a: resetState, lda: hidden, into: step.state)
        for b in 0..<step.rows {
            let g = gates + b * h3, gx = step.inputProjection + b * h3
            let previous = step.previousState + b * hidden, state = step.state + b * hidden
            let output = step.output.map { $0 + b * step.outputStride }
            guard step.time < step.lengths[b] else {
                GRUGeneralStepRows.carry(
                    units: units, hidden: hidden, previousState: previous, state: state, output: output, gates: g,
                    auxiliary: nil)
                continue
            }
            for u in units {
                let z = g[hidden + u]
                let n = f(gx[2 * hidden + u] + bi[2 * hidden + u] + state[u] + bh[2 * hidden + u])
                let h = (1 - z) * n + z * previous[u]
                g[2 * hidden + u] = n
                state[u] = h
                output?[u] = h
            }
        }
    }

    /// dL/d(gx) and dL/d(gh) (over the gates), dL/dh_{t-1} = dh * z directly, and
    /// dL/d(recurrent input) += dL/d(r * h) * r + dL/d(gh_r, gh_z) W_h[r, z].
    static func backward(
        _ step: RecurrentBackwardStep, weights: PackedRecurrentGradientWeights, activations: GRUActivations,
        barrier: StepBarrier
    ) {
        let hidden = weights.hidden, h3 = 3 * hidden
        let s = activations.gate
        for b in 0..<step.rows {
            let dh = step.stateGradient + b * hidden, previous = step.previousState + b * hidden
            let g = step.gates + b * h3, dgx = step.inputProjectionGradient + b * h3  // (3H); dL/d(gh) over g
            let dPrevious = step.previousStateGradient + b * hidden
            guard step.time < step.lengths[b] else {
                GRUGeneralStepRows.passThrough(
                    units: step.units, hidden: hidden, stateGradient: dh, previousStateGradient: dPrevious,
                    inputProjectionGradient: dgx, hiddenProjectionGradient: g)
                continue
            }
            for u in step.units {
                let z = g[hidden + u], d = dh[u]
                let (dn, dz) = activations.updateGradients(
                    d, update: z, candidate: g[2 * hidden + u], previous: previous[u])
                dgx[hidden + u] = dz
                dgx[2 * hidden + u] = dn
                g[hidden + u] = dz
                g[2 * hidden + u] = dn
                dPrevious[u] = d * z
            }
        }
        // dL/d(r * h) = dL/d(gh_n) W_hn reads every unit's dL/d(gh_n).
        barrier.wait()
        let resetStateGradient = step.scratch  // (B, H)
        weights.multiply(
            batch: step.rows, panels: step.panels, weightRows: (2 * hidden)..<(3 * hidden), a: step.gates,
            into: resetStateGradient, overwrite: true)
        for b in 0..<step.rows where step.time < step.lengths[b] {
            let drh = resetStateGradient + b * hidden, input = step.recurrentInput + b * hidden
            let g = step.gates + b * h3, dgx = step.inputProjectionGradient + b * h3
            let dInput = step.recurrentInputGradient + b * hidden
            for u in step.units {
                let r = g[u]
                let dr = drh[u] * input[u] * s.derivative(output: r)
                dgx[u] = dr
                g[u] = dr
                dInput[u] += drh[u] * r
            }
        }
        // dL/d(gh_r, gh_z) W_h[r, z] reads every unit's dL/d(gh_r).
        barrier.wait()
        weights.multiply(
            batch: step.rows, panels: step.panels, weightRows: 0..<(2 * hidden), a: step.gates,
            into: step.recurrentInputGradient, overwrite: false)
    }
}
