import GRUTensor

/// The reset-after GRU step with any activations (Keras `activation` f for n,
/// `recurrent_activation` s for r and z), forward beside backward; the math is on
/// `GRUVariant` with tanh -> f and sigmoid -> s. PyTorch's activations take the fused
/// `GRUResetAfterStep` instead.
///
/// Forward forms gh = h W_hh^T for its share of the 3H columns (into `step.gates`), then,
/// once every column is there, applies the gates to its units in one pass, caching r, z, n
/// and gh_n = W_hn h + b_hn. Backward forms the gate gradients (f' and s' from the cached
/// outputs), then, once every unit's dL/d(gh) is there, adds dL/d(gh) W_hh to dL/dh_{t-1}.
/// The caches and the masking of rows past their length are those of the fused step.
/// Legend: B batch rows, H hidden size.
enum GRUResetAfterGeneralStep {
    /// One step; `step.gates` (B, 3H) is required as cache or room, `step.auxiliary` (B, H)
    /// receives gh_n when not nil.
    static func forward(
        _ step: RecurrentForwardStep, weights: GRUGeneralStepWeights, activations: GRUActivations,
        barrier: StepBarrier
    ) {
        guard let gates = step.gates else { preconditionFailure("the general GRU step needs its gate room") }
        let hidden = weights.hidden, h3 = 3 * hidden
        let f = activations.candidate, s = activations.gate
        weights.transposedWeight.product(
            batch: step.rows, panels: weights.productPanels(of: step.panels, columns: h3),
            a: step.recurrentInput ?? step.previousState, lda: hidden, into: gates)
        // The gates of a unit need all three of its columns.
        barrier.wait()
        let units = weights.units(of: step.panels)
        let bi = UnsafePointer(weights.inputBias.pointer), bh = UnsafePointer(weights.recurrentBias.pointer)
        for b in 0..<step.rows {
            let g = gates + b * h3, gx = step.inputProjection + b * h3  // (3H)
            let previous = step.previousState + b * hidden, state = step.state + b * hidden
            let output = step.output.map { $0 + b * step.outputStride }
            let candidateHiddenTerm = step.auxiliary.map { $0 + b * hidden }
            guard step.time < step.lengths[b] else {
                GRUGeneralStepRows.carry(
                    units: units, hidden: hidden, previousState: previous, state: state, output: output, gates: g,
                    auxiliary: candidateHiddenTerm)
                continue
            }
            for u in units {
                let r = s(gx[u] + bi[u] + g[u] + bh[u])
                let z = s(gx[hidden + u] + bi[hidden + u] + g[hidden + u] + bh[hidden + u])
                let hn = g[2 * hidden + u] + bh[2 * hidden + u]
                let n = f(gx[2 * hidden + u] + bi[2 * hidden + u] + r * hn)
                let h = (1 - z) * n + z * previous[u]
                g[u] = r
                g[hidden + u] = z
                g[2 * hidden + u] = n
                candidateHiddenTerm?[u] = hn
                state[u] = h
                output?[u] = h
            }
        }
    }

    /// dL/d(gx) and dL/d(gh) (over the gates), dL/dh_{t-1} = dh * z directly, and
    /// dL/d(recurrent input) += dL/d(gh) W_hh.
    static func backward(
        _ step: RecurrentBackwardStep, weights: PackedRecurrentGradientWeights, activations: GRUActivations,
        barrier: StepBarrier
    ) {
        let hidden = weights.hidden, h3 = 3 * hidden
        let s = activations.gate
        for b in 0..<step.rows {
            let dh = step.stateGradient + b * hidden, previous = step.previousState + b * hidden
            let g = step.gates + b * h3, dgx = step.inputProjectionGradient + b * h3  // (3H); dL/d(gh) over g
            let hn = step.auxiliary + b * hidden, dPrevious = step.previousStateGradient + b * hidden
            guard step.time < step.lengths[b] else {
                GRUGeneralStepRows.passThrough(
                    units: step.units, hidden: hidden, stateGradient: dh, previousStateGradient: dPrevious,
                    inputProjectionGradient: dgx, hiddenProjectionGradient: g)
                continue
            }
            for u in step.units {
                let r = g[u], z = g[hidden + u], n = g[2 * hidden + u], d = dh[u]
                let (dn, dz) = activations.updateGradients(d, update: z, candidate: n, previous: previous[u])
                let dr = dn * hn[u] * s.derivative(output: r)
                dgx[u] = dr
                dgx[hidden + u] = dz
                dgx[2 * hidden + u] = dn
                g[u] = dr
                g[hidden + u] = dz
                g[2 * hidden + u] = dn * r
                dPrevious[u] = d * z
            }
        }
        // The product needs every unit's dL/d(gh).
        barrier.wait()
        weights.accumulate(
            batch: step.rows, panels: step.panels, hiddenProjectionGradient: step.gates,
            stateGradient: step.recurrentInputGradient)
    }
}

/// The GRU's two activations, as the general steps take them.
struct GRUActivations: Sendable {
    /// f, the candidate n's.
    let candidate: RecurrentActivation
    /// s, the gates r's and z's.
    let gate: RecurrentActivation

    /// dL/d(pre-activation) of n and of z from dL/dh_t = d, for h_t = (1 - z) n + z h_{t-1}.
    @inline(__always)
    func updateGradients(_ d: Float, update z: Float, candidate n: Float, previous: Float) -> (Float, Float) {
        (d * (1 - z) * candidate.derivative(output: n), d * (previous - n) * gate.derivative(output: z))
    }
}

/// Row helpers the general GRU steps share.
enum GRUGeneralStepRows {
    /// A row past its length, forward: h_t = h_{t-1}, zero output, gates and auxiliary cache.
    static func carry(
        units: Range<Int>, hidden: Int, previousState: UnsafePointer<Float>, state: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>?, gates: UnsafeMutablePointer<Float>,
        auxiliary: UnsafeMutablePointer<Float>?
    ) {
        for u in units {
            state[u] = previousState[u]
            output?[u] = 0
            auxiliary?[u] = 0
            for gate in 0..<3 { gates[gate * hidden + u] = 0 }
        }
    }

    /// A row past its length, backward: dL/dh_{t-1} = dL/dh_t, zero projection gradients.
    static func passThrough(
        units: Range<Int>, hidden: Int, stateGradient: UnsafePointer<Float>,
        previousStateGradient: UnsafeMutablePointer<Float>, inputProjectionGradient: UnsafeMutablePointer<Float>,
        hiddenProjectionGradient: UnsafeMutablePointer<Float>
    ) {
        for u in units {
            previousStateGradient[u] = stateGradient[u]
            for gate in 0..<3 {
                inputProjectionGradient[gate * hidden + u] = 0
                hiddenProjectionGradient[gate * hidden + u] = 0
            }
        }
    }
}
