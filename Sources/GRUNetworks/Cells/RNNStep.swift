import GRUTensor

/// The plain RNN's step, forward beside backward; the math is on `RNNCell`.
///
/// Forward forms gh = h W_hh^T for the share's units straight into h_t, then, in one pass,
/// h_t = f(gh + gx + b), caching h_t for backward (f' is taken from it). Backward forms
/// dL/d(pre) = dh f'(h_t), which is the gradient of both projections, then, once every unit's
/// is there, adds dL/d(pre) W_hh to dL/dh_{t-1}.
/// A row at t >= its length carries its state, outputs zeros and caches zeros; backward
/// passes its dh straight to dL/dh_{t-1}.
///
/// Legend: B the share's rows, H hidden size; every (B, H) buffer has row stride H.
enum RNNStep {
    /// One step over the share's rows and units; `step.gates` receives h_t (zeros past a
    /// row's length) when not nil.
    static func forward(_ step: RecurrentForwardStep, weights: RNNRecurrentWeights, activation: RecurrentActivation) {
        let hidden = weights.hidden, units = weights.units(of: step.panels)
        // (B, H) gh into h_t's units; the product reads every unit of h_{t-1}.
        weights.matrix.product(
            batch: step.rows, panels: step.panels, a: step.recurrentInput ?? step.previousState, lda: hidden,
            into: step.state)
        weights.bias.withOptionalPointer { bias in
            for b in 0..<step.rows {
                let state = step.state + b * hidden, previous = step.previousState + b * hidden
                let output = step.output.map { $0 + b * step.outputStride }
                let cache = step.gates.map { $0 + b * hidden }
                if step.time >= step.lengths[b] {
                    for u in units {
                        state[u] = previous[u]
                        output?[u] = 0
                        cache?[u] = 0
                    }
                    continue
                }
                let projection = step.inputProjection + b * hidden
                for u in units {
                    let y = activation(state[u] + projection[u] + (bias?[u] ?? 0))
                    state[u] = y
                    output?[u] = y
                    cache?[u] = y
                }
            }
        }
    }

    /// dL/d(pre) into `step.gates` and `step.inputProjectionGradient`, the direct part of
    /// dL/dh_{t-1} (dh past a row's length, else zero), then dL/d(recurrent input) += dL/d(pre) W_hh.
    static func backward(
        _ step: RecurrentBackwardStep, weights: RNNRecurrentWeights, activation: RecurrentActivation,
        barrier: StepBarrier
    ) {
        let hidden = weights.hidden, units = step.units
        for b in 0..<step.rows {
            let offset = b * hidden
            let dh = step.stateGradient + offset, cache = step.gates + offset
            let dInput = step.inputProjectionGradient + offset, dPrevious = step.previousStateGradient + offset
            if step.time >= step.lengths[b] {
                for u in units {
                    dPrevious[u] = dh[u]
                    cache[u] = 0
                    dInput[u] = 0
                }
                continue
            }
            for u in units {
                let d = dh[u] * activation.derivative(output: cache[u])
                cache[u] = d
                dInput[u] = d
                dPrevious[u] = 0
            }
        }
        // The product needs every unit's dL/d(pre).
        barrier.wait()
        weights.matrix.accumulateProduct(
            batch: step.rows, panels: step.panels, a: step.gates, lda: hidden, into: step.recurrentInputGradient)
    }
}

extension Optional where Wrapped == [Float] {
    /// Calls `body` with a pointer to the array's elements, or nil.
    fileprivate func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .some(let values): values.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: body(nil)
        }
    }
}
