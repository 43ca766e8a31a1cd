import GRUTensor

/// The layer-norm GRU step, forward beside backward, for one thread's rows (every unit); the
/// math is on `LayerNormGRUCell`, the fused arithmetic in `LayerNormGateKernels`.
///
/// Forward: gh_raw = h W_hh^T for the rows (one product), then one kernel pass that normalizes
/// each row over its 3H values and applies the gates; it caches r, z, n in `gates`, gh_n
/// (normalized, with b_hn) in `auxiliary`, and the normalized gh_raw with its 1 / sqrt(var +
/// eps) in `cache`. Backward reads them back instead of recomputing the product: one kernel
/// pass forms dL/dgx, dL/dgh (left in `gates` for the bias sums; the cell's
/// `finishProjectionGradients` turns them into dL/d(gh_raw) over all rows) and dL/d(gh_raw)
/// for the step's product, which adds dL/d(gh_raw) W_hh to dL/d(recurrent input).
///
/// Legend: B the share's rows, H hidden size.
enum LayerNormGRUStep {
    /// One step; `step.gates`, `step.auxiliary` and `step.cache` receive the caches when not nil.
    static func forward(_ step: RecurrentForwardStep, weights: LayerNormGRUWeights) {
        let hidden = weights.hidden, width = 3 * hidden, rows = step.rows
        let transposedWeight = weights.transposedWeight!
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rows * width) { buffer in
            let product = buffer.baseAddress!  // (B, 3H) h W_hh^T
            transposedWeight.product(
                batch: rows, panels: 0..<transposedWeight.panelCount, a: step.recurrentInput ?? step.previousState,
                lda: hidden, into: product)
            weights.gains.withUnsafeBufferPointer { gains in
                weights.recurrentBias.withUnsafeBufferPointer { recurrentBias in
                    weights.inputBias.withUnsafeBufferPointer { inputBias in
                        LayerNormGateKernels.forwardStep(
                            batch: rows, hidden: hidden, time: step.time, lengths: step.lengths,
                            recurrentProduct: product, inputProjection: step.inputProjection,
                            recurrentGain: gains.baseAddress! + width, recurrentBias: recurrentBias.baseAddress!,
                            inputBias: inputBias.baseAddress!, previousState: step.previousState, state: step.state,
                            output: step.output, outputStride: step.outputStride, gates: step.gates,
                            candidateHiddenTerm: step.auxiliary, cache: step.cache,
                            cacheStride: LayerNormGRUCell.cacheStride(hidden: hidden))
                    }
                }
            }
        }
    }

    /// Writes dL/dgx into `inputProjectionGradient`, dL/dgh over `gates`, dh * z into
    /// `previousStateGradient`, and adds dL/d(gh_raw) W_hh into `recurrentInputGradient`.
    static func backward(_ step: RecurrentBackwardStep, weights: LayerNormGRUWeights) {
        guard let cache = step.cache else {
            preconditionFailure("the layer-norm GRU's backward step needs its forward step's cache")
        }
        let hidden = weights.hidden, width = 3 * hidden, rows = step.rows
        let weight = weights.weight!
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rows * width) { buffer in
            let productGradient = buffer.baseAddress!  // (B, 3H) dL/d(gh_raw)
            weights.gains.withUnsafeBufferPointer { gains in
                LayerNormGateKernels.backwardStep(
                    batch: rows, hidden: hidden, time: step.time, lengths: step.lengths,
                    stateGradient: step.stateGradient, previousState: step.previousState, gates: step.gates,
                    candidateHiddenTerm: step.auxiliary, cache: cache,
                    cacheStride: LayerNormGRUCell.cacheStride(hidden: hidden),
                    recurrentGain: gains.baseAddress! + width,
                    inputProjectionGradient: step.inputProjectionGradient,
                    previousStateGradient: step.previousStateGradient, productGradient: productGradient)
            }
            weight.accumulateProduct(
                batch: rows, panels: 0..<weight.panelCount, a: productGradient, lda: width,
                into: step.recurrentInputGradient)
        }
    }
}
