import GRUTensor

/// The layer-norm GRU step, forward beside backward, for one thread's rows (every unit); the
/// math is on `LayerNormGRUCell`.
///
/// Forward: gh_raw = h W_hh^T for the rows (one product), each row normalized over its 3H
/// values, then the gates; caches r, z, n in `gates` and gh_n (normalized, with b_hn) in
/// `auxiliary`. Backward recomputes gh_raw and its normalization rather than caching 3H more
/// values a row, forms dL/dgx and dL/dgh (left in `gates` for the bias sums; the cell's
/// `finishProjectionGradients` turns them into dL/d(gh_raw) over all rows), and adds
/// dL/d(gh_raw) W_hh to dL/d(recurrent input).
///
/// Legend: B the share's rows, H hidden size.
enum LayerNormGRUStep {
    /// One step; `step.gates` and `step.auxiliary` receive the caches when not nil.
    static func forward(_ step: RecurrentForwardStep, weights: LayerNormGRUWeights) {
        let hidden = weights.hidden, width = 3 * hidden, rows = step.rows
        let recurrentInput = step.recurrentInput ?? step.previousState
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rows * width) { buffer in
            let gh = buffer.baseAddress!  // (B, 3H)
            weights.transposedWeight.product(
                batch: rows, panels: 0..<weights.transposedWeight.panelCount, a: recurrentInput, lda: hidden,
                into: gh)
            weights.gains.withUnsafeBufferPointer { gains in
                weights.recurrentBias.withUnsafeBufferPointer { recurrentBias in
                    weights.inputBias.withUnsafeBufferPointer { inputBias in
                        for b in 0..<rows {
                            forwardRow(
                                step, row: b, hidden: hidden, gh: gh + b * width,
                                recurrentGain: gains.baseAddress! + width,
                                recurrentBias: recurrentBias.baseAddress!, inputBias: inputBias.baseAddress!)
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func forwardRow(
        _ step: RecurrentForwardStep, row b: Int, hidden: Int, gh: UnsafeMutablePointer<Float>,
        recurrentGain: UnsafePointer<Float>, recurrentBias: UnsafePointer<Float>, inputBias: UnsafePointer<Float>
    ) {
        let width = 3 * hidden
        let previous = step.previousState + b * hidden, state = step.state + b * hidden
        let output = step.output.map { $0 + b * step.outputStride }
        let gates = step.gates.map { $0 + b * width }, auxiliary = step.auxiliary.map { $0 + b * hidden }
        guard step.time < step.lengths[b] else {
            // Past its length a row carries its state, outputs zeros and caches zeros.
            state.update(from: previous, count: hidden)
            output?.update(repeating: 0, count: hidden)
            gates?.update(repeating: 0, count: width)
            auxiliary?.update(repeating: 0, count: hidden)
            return
        }
        LayerNormalizationRows.standardize(gh, width: width)
        for j in 0..<width { gh[j] = gh[j] * recurrentGain[j] + recurrentBias[j] }
        let gx = step.inputProjection + b * width
        for j in 0..<hidden {
            let r = sigmoid(gx[j] + inputBias[j] + gh[j])
            let z = sigmoid(gx[hidden + j] + inputBias[hidden + j] + gh[hidden + j])
            let ghn = gh[2 * hidden + j]
            let n = hyperbolicTangent(gx[2 * hidden + j] + inputBias[2 * hidden + j] + r * ghn)
            let h = (1 - z) * n + z * previous[j]
            state[j] = h
            output?[j] = h
            if let gates {
                gates[j] = r
                gates[hidden + j] = z
                gates[2 * hidden + j] = n
            }
            auxiliary?[j] = ghn
        }
    }

    /// Writes dL/dgx into `inputProjectionGradient`, dL/dgh over `gates`, dh * z into
    /// `previousStateGradient`, and adds dL/d(gh_raw) W_hh into `recurrentInputGradient`.
    static func backward(_ step: RecurrentBackwardStep, weights: LayerNormGRUWeights) {
        let hidden = weights.hidden, width = 3 * hidden, rows = step.rows
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * rows * width) { buffer in
            let standardized = buffer.baseAddress!  // (B, 3H) x̂ of gh_raw
            let rawGradient = standardized + rows * width  // (B, 3H) dL/d(gh_raw)
            weights.transposedWeight.product(
                batch: rows, panels: 0..<weights.transposedWeight.panelCount, a: step.recurrentInput, lda: hidden,
                into: standardized)
            weights.gains.withUnsafeBufferPointer { gains in
                for b in 0..<rows {
                    backwardRow(
                        step, row: b, hidden: hidden, standardized: standardized + b * width,
                        rawGradient: rawGradient + b * width, recurrentGain: gains.baseAddress! + width)
                }
            }
            let weight = weights.weight!
            weight.accumulateProduct(
                batch: rows, panels: 0..<weight.panelCount, a: rawGradient, lda: width,
                into: step.recurrentInputGradient)
        }
    }

    @inline(__always)
    private static func backwardRow(
        _ step: RecurrentBackwardStep, row b: Int, hidden: Int, standardized: UnsafeMutablePointer<Float>,
        rawGradient: UnsafeMutablePointer<Float>, recurrentGain: UnsafePointer<Float>
    ) {
        let width = 3 * hidden
        let dh = step.stateGradient + b * hidden, previous = step.previousState + b * hidden
        let gates = step.gates + b * width, ghn = step.auxiliary + b * hidden
        let dgx = step.inputProjectionGradient + b * width
        let dPrevious = step.previousStateGradient + b * hidden
        guard step.time < step.lengths[b] else {
            // A row past its length carried its state: its gradient passes straight through.
            dPrevious.update(from: dh, count: hidden)
            dgx.update(repeating: 0, count: width)
            gates.update(repeating: 0, count: width)
            rawGradient.update(repeating: 0, count: width)
            return
        }
        for j in 0..<hidden {
            let r = gates[j], z = gates[hidden + j], n = gates[2 * hidden + j]
            let g = dh[j]
            let dn = g * (1 - z) * (1 - n * n)
            let dz = g * (previous[j] - n) * z * (1 - z)
            let dr = dn * ghn[j] * r * (1 - r)
            dPrevious[j] = g * z
            dgx[j] = dr
            dgx[hidden + j] = dz
            dgx[2 * hidden + j] = dn
            gates[j] = dr
            gates[hidden + j] = dz
            gates[2 * hidden + j] = dn * r
        }
        let inverseDeviation = LayerNormalizationRows.standardize(standardized, width: width)
        rawGradient.update(from: gates, count: width)
        LayerNormalizationRows.backwardRow(
            rawGradient, standardized: standardized, inverseDeviation: inverseDeviation, width: width,
            gain: recurrentGain, gainGradient: nil)
    }
}
