/// The slow, obvious twin of the gate math: the packed steps' forward gates (given the
/// products as a separate hidden projection) and `GateKernels`'s backward, whole rows, as plain
/// Swift loops with the C library's exp and tanh, used only by tests to check the vectorized
/// kernels. See `GateKernels` for the math, the legend, the buffers and the masking rule.
package enum NaiveGateKernels {
    // MARK: - Reset-after

    /// Twin of the reset-after packed step's gates (`PackedRecurrentWeights.step`), given
    /// hiddenProjection = W_hh h + b_hh.
    package static func resetAfterForward(
        batch: Int, hidden: Int, time: Int, lengths: UnsafePointer<Int>,
        inputProjection: UnsafePointer<Float>,
        hiddenProjection: UnsafePointer<Float>,
        previousState: UnsafePointer<Float>,
        state: UnsafeMutablePointer<Float>,
        gates: UnsafeMutablePointer<Float>,
        candidateHiddenTerm: UnsafeMutablePointer<Float>
    ) {
        let h3 = 3 * hidden
        for b in 0..<batch {
            let gx = inputProjection + b * h3, gh = hiddenProjection + b * h3
            let hp = previousState + b * hidden, h = state + b * hidden
            let g = gates + b * h3, ghn = candidateHiddenTerm + b * hidden
            guard time < lengths[b] else {
                carry(hidden: hidden, previous: hp, state: h, gates: g, auxiliary: ghn)
                continue
            }
            for j in 0..<hidden {
                let r = sigmoid(gx[j] + gh[j])
                let z = sigmoid(gx[hidden + j] + gh[hidden + j])
                let hn = gh[2 * hidden + j]
                let n = hyperbolicTangent(gx[2 * hidden + j] + r * hn)
                g[j] = r
                g[hidden + j] = z
                g[2 * hidden + j] = n
                ghn[j] = hn
                h[j] = (1 - z) * n + z * hp[j]
            }
        }
    }

    /// Twin of `GateKernels.resetAfterBackward`.
    package static func resetAfterBackward(
        batch: Int, hidden: Int, time: Int, lengths: UnsafePointer<Int>,
        stateGradient: UnsafePointer<Float>,
        previousState: UnsafePointer<Float>,
        gates: UnsafeMutablePointer<Float>,
        candidateHiddenTerm: UnsafePointer<Float>,
        inputProjectionGradient: UnsafeMutablePointer<Float>,
        previousStateGradient: UnsafeMutablePointer<Float>
    ) {
        let h3 = 3 * hidden
        for b in 0..<batch {
            let dh = stateGradient + b * hidden, hp = previousState + b * hidden
            let g = gates + b * h3, ghn = candidateHiddenTerm + b * hidden
            let dgx = inputProjectionGradient + b * h3, dgh = g  // gradients overwrite the gates
            let dhp = previousStateGradient + b * hidden
            guard time < lengths[b] else {
                passThrough(
                    hidden: hidden, stateGradient: dh, previousStateGradient: dhp,
                    inputProjectionGradient: dgx, hiddenProjectionGradient: dgh)
                continue
            }
            for j in 0..<hidden {
                let r = g[j], z = g[hidden + j], n = g[2 * hidden + j]
                let d = dh[j]
                let dnPre = d * (1 - z) * (1 - n * n)
                let dzPre = d * (hp[j] - n) * z * (1 - z)
                let drPre = dnPre * ghn[j] * r * (1 - r)
                dgx[j] = drPre
                dgx[hidden + j] = dzPre
                dgx[2 * hidden + j] = dnPre
                dgh[j] = drPre
                dgh[hidden + j] = dzPre
                dgh[2 * hidden + j] = dnPre * r
                dhp[j] = d * z
            }
        }
    }

    // MARK: - Reset-before

    /// Twin of `PackedRecurrentWeights.resetBeforeGates`'s gates, given the r and z blocks of
    /// hiddenProjection = W_hh h + b_hh.
    package static func resetBeforeGates(
        batch: Int, hidden: Int, time: Int, lengths: UnsafePointer<Int>,
        inputProjection: UnsafePointer<Float>,
        hiddenProjection: UnsafePointer<Float>,
        previousState: UnsafePointer<Float>,
        gates: UnsafeMutablePointer<Float>,
        resetState: UnsafeMutablePointer<Float>
    ) {
        let h3 = 3 * hidden
        for b in 0..<batch {
            let gx = inputProjection + b * h3, gh = hiddenProjection + b * h3
            let hp = previousState + b * hidden
            let g = gates + b * h3, rh = resetState + b * hidden
            guard time < lengths[b] else {
                for j in 0..<hidden { rh[j] = 0 }
                continue
            }
            for j in 0..<hidden {
                let r = sigmoid(gx[j] + gh[j])
                g[j] = r
                g[hidden + j] = sigmoid(gx[hidden + j] + gh[hidden + j])
                rh[j] = r * hp[j]
            }
        }
    }

    /// Twin of `PackedRecurrentWeights.resetBeforeCandidate`'s gates, given the n block of
    /// hiddenProjection = W_hn (r * h) + b_hn.
    package static func resetBeforeCandidate(
        batch: Int, hidden: Int, time: Int, lengths: UnsafePointer<Int>,
        inputProjection: UnsafePointer<Float>,
        hiddenProjection: UnsafePointer<Float>,
        previousState: UnsafePointer<Float>,
        gates: UnsafeMutablePointer<Float>,
        state: UnsafeMutablePointer<Float>
    ) {
        let h3 = 3 * hidden
        for b in 0..<batch {
            let gx = inputProjection + b * h3, gh = hiddenProjection + b * h3
            let hp = previousState + b * hidden, h = state + b * hidden
            let g = gates + b * h3
            guard time < lengths[b] else {
                for j in 0..<hidden { h[j] = hp[j] }
                for j in 0..<h3 { g[j] = 0 }
                continue
            }
            for j in 0..<hidden {
                let z = g[hidden + j]
                let n = hyperbolicTangent(gx[2 * hidden + j] + gh[2 * hidden + j])
                g[2 * hidden + j] = n
                h[j] = (1 - z) * n + z * hp[j]
            }
        }
    }

    /// Twin of `GateKernels.resetBeforeBackwardCandidate`.
    package static func resetBeforeBackwardCandidate(
        batch: Int, hidden: Int, time: Int, lengths: UnsafePointer<Int>,
        stateGradient: UnsafePointer<Float>,
        previousState: UnsafePointer<Float>,
        gates: UnsafeMutablePointer<Float>,
        inputProjectionGradient: UnsafeMutablePointer<Float>,
        previousStateGradient: UnsafeMutablePointer<Float>
    ) {
        let h3 = 3 * hidden
        for b in 0..<batch {
            let dh = stateGradient + b * hidden, hp = previousState + b * hidden
            let g = gates + b * h3
            let dgx = inputProjectionGradient + b * h3, dgh = g  // gradients overwrite the gates
            let dhp = previousStateGradient + b * hidden
            guard time < lengths[b] else {
                passThrough(
                    hidden: hidden, stateGradient: dh, previousStateGradient: dhp,
                    inputProjectionGradient: dgx, hiddenProjectionGradient: dgh)
                continue
            }
            for j in 0..<hidden {
                let z = g[hidden + j], n = g[2 * hidden + j]
                let d = dh[j]
                let dnPre = d * (1 - z) * (1 - n * n)
                let dzPre = d * (hp[j] - n) * z * (1 - z)
                dgx[hidden + j] = dzPre
                dgx[2 * hidden + j] = dnPre
                dgh[hidden + j] = dzPre
                dgh[2 * hidden + j] = dnPre
                dhp[j] = d * z
            }
        }
    }

    /// Twin of `GateKernels.resetBeforeBackwardReset`.
    package static func resetBeforeBackwardReset(
        batch: Int, hidden: Int, time: Int, lengths: UnsafePointer<Int>,
        resetStateGradient: UnsafePointer<Float>,
        previousState: UnsafePointer<Float>,
        gates: UnsafeMutablePointer<Float>,
        inputProjectionGradient: UnsafeMutablePointer<Float>,
        previousStateGradient: UnsafeMutablePointer<Float>
    ) {
        let h3 = 3 * hidden
        for b in 0..<batch where time < lengths[b] {
            let drh = resetStateGradient + b * hidden, hp = previousState + b * hidden
            let g = gates + b * h3
            let dgx = inputProjectionGradient + b * h3, dgh = g  // gradients overwrite the gates
            let dhp = previousStateGradient + b * hidden
            for j in 0..<hidden {
                let r = g[j]
                let drPre = drh[j] * hp[j] * r * (1 - r)
                dgx[j] = drPre
                dgh[j] = drPre
                dhp[j] += drh[j] * r
            }
        }
    }

    // MARK: - Masked rows

    private static func carry(
        hidden: Int, previous: UnsafePointer<Float>, state: UnsafeMutablePointer<Float>,
        gates: UnsafeMutablePointer<Float>, auxiliary: UnsafeMutablePointer<Float>
    ) {
        for j in 0..<hidden {
            state[j] = previous[j]
            auxiliary[j] = 0
        }
        for j in 0..<(3 * hidden) { gates[j] = 0 }
    }

    private static func passThrough(
        hidden: Int, stateGradient: UnsafePointer<Float>,
        previousStateGradient: UnsafeMutablePointer<Float>,
        inputProjectionGradient: UnsafeMutablePointer<Float>,
        hiddenProjectionGradient: UnsafeMutablePointer<Float>
    ) {
        for j in 0..<hidden { previousStateGradient[j] = stateGradient[j] }
        for j in 0..<(3 * hidden) {
            inputProjectionGradient[j] = 0
            hiddenProjectionGradient[j] = 0
        }
    }
}
