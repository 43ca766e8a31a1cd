import GRUTensor

/// One direction's steps on the packed recurrent kernels, shared across GRUKit's thread team;
/// the team is started once per direction, not per step. Reset-after steps are one pass;
/// reset-before steps two (r and z, then n from every unit's r * h).
///
/// Two ways to share: a batch of at least 8 rows per thread is split by rows, each thread
/// running whole sequences of its own, with no synchronization until the end (its rows never
/// read another thread's); smaller batches (one sequence, streaming) are split by hidden
/// units, thread p computing its panels' units of every h_t from all of h_{t-1}, with one
/// spinning barrier per step.
///
/// Legend: T steps, B batch, H hidden size.
enum PackedRecurrence {
    /// How a direction's steps are shared.
    struct Sharing {
        /// The threads asked for.
        let parts: Int
        /// Split by batch rows (no barriers) rather than by hidden units.
        let byRows: Bool

        /// Rows get a thread each when every thread has a full block of 8 rows: each then
        /// reads all of W_hh every step, which is cheap next to 8 rows' arithmetic. Units
        /// need a step big enough to pay for a barrier (about a microsecond, some 50,000
        /// operations on one core) and panels for every thread.
        init(batch: Int, hidden: Int, panelCount: Int) {
            let threads = ThreadTeam.defaultParts
            if threads > 1, batch >= 8 * threads {
                parts = threads
                byRows = true
            } else {
                byRows = false
                parts = threads > 1 && 6 * batch * hidden * hidden >= 90_000 ? max(1, min(threads, panelCount / 2)) : 1
            }
        }

        /// Part `part`'s rows and panels, of `parts` the team gave.
        func share(part: Int, parts: Int, batch: Int, panelCount: Int) -> (rows: Range<Int>, panels: Range<Int>) {
            byRows
                ? (ThreadTeam.share(of: batch, part: part, parts: parts), 0..<panelCount)
                : (0..<batch, ThreadTeam.share(of: panelCount, part: part, parts: parts))
        }

        /// Waits for the other parts when they share a step's units (after each pass).
        @inline(__always)
        func synchronizeStep() {
            if !byRows { ThreadTeam.barrier() }
        }
    }

    /// Whether a direction of `batch` rows shares its steps by hidden units (and so can
    /// project its input per panel, see `runInference`) rather than by rows.
    static func sharesByUnits(batch: Int, weights: PackedRecurrentWeights) -> Bool {
        !Sharing(batch: batch, hidden: weights.hidden, panelCount: weights.panelCount).byRows
    }

    /// Runs all steps for inference.
    ///
    /// With `inputWeights` (only when `sharesByUnits`), each thread first projects `input`
    /// (T*B, I) onto its own panels into `inputProjection`, for all steps: it then reads only
    /// its share of W_ih, writes the projections its steps read from its own cache, and no
    /// BLAS call or hand-off between threads comes before the steps.
    ///
    /// - Parameters:
    ///   - inputProjection: (T*B, 3H), all steps' W_ih x + b_ih (or W_ih x when the weights
    ///     add b_ih), by time; with `inputWeights`, the room for them.
    ///   - state: (B, H) the initial state on entry, the final state on return.
    ///   - spare: (B, H) room for the other of each step's two states.
    ///   - gates: (B, 3H), resetState: (B, H): reset-before's room for a step's gates and r * h.
    ///   - output: where row b of time t's output goes: output + (t B + b) outputStride.
    static func runInference(
        variant: GRUVariant, weights: PackedRecurrentWeights, steps: Int, batch: Int, reverse: Bool,
        lengths: UnsafePointer<Int>, inputWeights: PackedInputWeights? = nil, input: UnsafePointer<Float>? = nil,
        inputProjection: UnsafeMutablePointer<Float>, state: UnsafeMutablePointer<Float>,
        spare: UnsafeMutablePointer<Float>, gates: UnsafeMutablePointer<Float>,
        resetState: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        let hidden = weights.hidden
        let sharing = Sharing(batch: batch, hidden: hidden, panelCount: weights.panelCount)
        precondition(inputWeights == nil || !sharing.byRows, "per-panel input projections need steps shared by units")
        ThreadTeam.run(parts: sharing.parts) { part, parts in
            let (rows, panels) = sharing.share(part: part, parts: parts, batch: batch, panelCount: weights.panelCount)
            let first = rows.lowerBound
            if let inputWeights, let input {
                inputWeights.project(rows: steps * batch, panels: panels, input: input, into: inputProjection)
            }
            var previous = state, next = spare
            for step in 0..<steps {
                let time = reverse ? steps - 1 - step : step
                advance(
                    variant: variant, weights: weights, sharing: sharing, rows: rows.count, panels: panels, time: time,
                    lengths: lengths + first, inputProjection: inputProjection + (time * batch + first) * 3 * hidden,
                    previousState: previous + first * hidden, state: next + first * hidden,
                    output: output + (time * batch + first) * outputStride, outputStride: outputStride,
                    gates: variant == .resetBefore ? gates + first * 3 * hidden : nil,
                    auxiliary: variant == .resetBefore ? resetState + first * hidden : nil)
                sharing.synchronizeStep()
                swap(&previous, &next)
            }
        }
        if steps % 2 == 1 { state.update(from: spare, count: batch * hidden) }
    }

    /// One step of one sequence (streaming), its input projection fused in: each thread
    /// projects the input for its own panels just before stepping them, so it reads only its
    /// share of W_ih and W_hh, the same share every call. The projection stays in registers:
    /// reset-after does a step in one kernel call a thread (a step at H = 512 took 26-27 us in
    /// a C harness with a call pair per panel, 24.5-25 us fused), reset-before its first pass
    /// (r, z and r * h), keeping W_in x_t in `inputProjection` for the second.
    ///
    /// `descending` walks each thread's panels in reverse. Alternated from call to call, the
    /// panels a thread read last come first the next time, still in its core's cache when
    /// its share is a little larger than the cache (H = 512: 2.25 MB against 2 MB of L2),
    /// where the same order every call would miss on every line.
    ///
    /// - Parameters:
    ///   - input: (1, I) x_t; inputProjection: (1, 3H) reset-before's room for W_in x_t.
    ///   - state: (1, H) h_{t-1} on entry, h_t on return; spare: (1, H) room.
    ///   - output: (1, H) receives h_t as well, or nil.
    ///   - gates: (1, 3H), resetState: (1, H): reset-before's room for the gates and r * h.
    static func runStreamingStep(
        variant: GRUVariant, weights: PackedRecurrentWeights, inputWeights: PackedInputWeights, descending: Bool,
        lengths: UnsafePointer<Int>, input: UnsafePointer<Float>, inputProjection: UnsafeMutablePointer<Float>,
        state: UnsafeMutablePointer<Float>, spare: UnsafeMutablePointer<Float>, gates: UnsafeMutablePointer<Float>,
        resetState: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>?
    ) {
        let panelCount = weights.panelCount
        let sharing = Sharing(batch: 1, hidden: weights.hidden, panelCount: panelCount)
        ThreadTeam.run(parts: sharing.parts) { part, parts in
            let panels = sharing.share(part: part, parts: parts, batch: 1, panelCount: panelCount).panels
            if variant == .resetAfter {
                weights.streamingStep(
                    inputWeights: inputWeights, panels: panels, descending: descending, time: 0, lengths: lengths,
                    input: input, previousState: state, state: spare, output: output)
                return
            }
            weights.resetBeforeStreamingGates(
                inputWeights: inputWeights, panels: panels, descending: descending, time: 0, lengths: lengths,
                input: input, previousState: state, inputProjection: inputProjection, gates: gates,
                resetState: resetState)
            sharing.synchronizeStep()
            /// The i-th panel of this call's walk.
            func panel(_ i: Int) -> Range<Int> {
                let p = descending ? panels.upperBound - 1 - i : panels.lowerBound + i
                return p..<(p + 1)
            }
            for i in 0..<panels.count {
                weights.resetBeforeCandidate(
                    batch: 1, panels: panel(i), time: 0, lengths: lengths, inputProjection: inputProjection,
                    previousState: state, resetState: resetState, gates: gates, state: spare,
                    output: output, outputStride: weights.hidden)
            }
        }
        state.update(from: spare, count: weights.hidden)
    }

    /// Runs all steps for training, keeping the caches backward needs.
    ///
    /// - Parameters:
    ///   - states: (T+1, B, H) by step, states[0] the initial state; receives every step's state.
    ///   - gates: (T, B, 3H) by step; auxiliary: (T, B, H) by step: W_hn h + b_hn (reset-after)
    ///     or r * h (reset-before).
    ///   - output: as for `runInference`.
    ///   - recurrentMask: recurrent dropout's (B, H) mask, the same at every step, or nil.
    ///     The products then see h * mask (Keras's semantics), the update h itself.
    ///   - maskedStates: with a mask, (T, B, H) by step, receives states[s] * mask, what the
    ///     products saw (backward's dW_hh needs it).
    static func runTraining(
        variant: GRUVariant, weights: PackedRecurrentWeights, steps: Int, batch: Int, reverse: Bool,
        lengths: UnsafePointer<Int>,
        inputProjection: UnsafePointer<Float>, states: UnsafeMutablePointer<Float>,
        gates: UnsafeMutablePointer<Float>, auxiliary: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>, outputStride: Int,
        recurrentMask: UnsafePointer<Float>? = nil, maskedStates: UnsafeMutablePointer<Float>? = nil
    ) {
        let hidden = weights.hidden
        let sharing = Sharing(batch: batch, hidden: hidden, panelCount: weights.panelCount)
        if let recurrentMask, let maskedStates {
            multiply(states, by: recurrentMask, into: maskedStates, rows: 0..<batch, units: 0..<hidden, hidden: hidden)
        }
        ThreadTeam.run(parts: sharing.parts) { part, parts in
            let (rows, panels) = sharing.share(part: part, parts: parts, batch: batch, panelCount: weights.panelCount)
            let first = rows.lowerBound
            for step in 0..<steps {
                let time = reverse ? steps - 1 - step : step
                let rowsOfStep = step * batch + first
                let state = states + (rowsOfStep + batch) * hidden
                advance(
                    variant: variant, weights: weights, sharing: sharing, rows: rows.count, panels: panels, time: time,
                    lengths: lengths + first, inputProjection: inputProjection + (time * batch + first) * 3 * hidden,
                    previousState: states + rowsOfStep * hidden,
                    recurrentInput: maskedStates.map { $0 + rowsOfStep * hidden }, state: state,
                    output: output + (time * batch + first) * outputStride, outputStride: outputStride,
                    gates: gates + rowsOfStep * 3 * hidden, auxiliary: auxiliary + rowsOfStep * hidden)
                // This part's share of the next step's masked state, before the others read it.
                if let recurrentMask, let maskedStates, step + 1 < steps {
                    multiply(
                        states + (step + 1) * batch * hidden, by: recurrentMask,
                        into: maskedStates + (step + 1) * batch * hidden,
                        rows: rows, units: weights.units(of: panels), hidden: hidden)
                }
                sharing.synchronizeStep()
            }
        }
    }

    /// target[b, u] = source[b, u] * mask[b, u] (or += with `adding`) for the given rows and
    /// units of (B, H) buffers: one thread's share of a masked state or of its gradient.
    private static func multiply(
        _ source: UnsafePointer<Float>, by mask: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>,
        rows: Range<Int>, units: Range<Int>, hidden: Int, adding: Bool = false
    ) {
        for b in rows {
            let offset = b * hidden
            if adding {
                for u in units { target[offset + u] += source[offset + u] * mask[offset + u] }
            } else {
                for u in units { target[offset + u] = source[offset + u] * mask[offset + u] }
            }
        }
    }

    /// One step of a part's rows and panels: one pass for reset-after; for reset-before r and
    /// z, a meeting of the parts (when they share units), then n. `gates` and `auxiliary` are
    /// the caches, (rows, 3H) and (rows, H): optional for reset-after (nil: inference), the
    /// room for r, z, n and r * h that reset-before always needs. `recurrentInput`, when not
    /// nil, is what the products see instead of `previousState` (recurrent dropout).
    private static func advance(
        variant: GRUVariant, weights: PackedRecurrentWeights, sharing: Sharing, rows: Int, panels: Range<Int>,
        time: Int, lengths: UnsafePointer<Int>, inputProjection: UnsafePointer<Float>,
        previousState: UnsafePointer<Float>, recurrentInput: UnsafePointer<Float>? = nil,
        state: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, outputStride: Int,
        gates: UnsafeMutablePointer<Float>?, auxiliary: UnsafeMutablePointer<Float>?
    ) {
        switch variant {
        case .resetAfter:
            weights.step(
                batch: rows, panels: panels, time: time, lengths: lengths, inputProjection: inputProjection,
                previousState: previousState, recurrentInput: recurrentInput, state: state, output: output,
                outputStride: outputStride, gates: gates, candidateHiddenTerm: auxiliary)
        case .resetBefore:
            // r, z and r * h from the masked state under recurrent dropout; the update from h.
            weights.resetBeforeGates(
                batch: rows, panels: panels, time: time, lengths: lengths, inputProjection: inputProjection,
                previousState: recurrentInput ?? previousState, gates: gates!, resetState: auxiliary!)
            sharing.synchronizeStep()
            weights.resetBeforeCandidate(
                batch: rows, panels: panels, time: time, lengths: lengths, inputProjection: inputProjection,
                previousState: previousState, resetState: auxiliary!, gates: gates!, state: state,
                output: output, outputStride: outputStride)
        }
    }

    /// Walks one direction's steps in reverse, each thread taking its rows or its units.
    ///
    /// Reset-after: the gate gradients, then dL/dh_{t-1} = dh * z + dGh W_hh[:, units]. Shared
    /// by units, the threads meet once per step, between the two (the product needs every
    /// unit's dGh); a thread's units of dL/dh_{t-1} are its own to read at the next step.
    /// Reset-before: the candidate's gate gradients, dL/d(r * h) = dGh_n W_hn, the reset
    /// gate's gradients, then dL/dh_{t-1} += dGh[r, z] W_h[r, z]. Each product needs every
    /// unit of the pass before it, so threads sharing units meet before each product.
    ///
    /// - Parameters:
    ///   - stateGradient: (B, H) dL/dh_T on entry, dL/dh_0 on return.
    ///   - previousStateGradient: (B, H) room for the other of each step's two gradients.
    ///   - resetStateGradient: (B, H) reset-before's room for dL/d(r * h).
    ///   - gates: (T, B, 3H) by step; overwritten with dL/d(hidden projection).
    ///   - auxiliary: (T, B, H) by step, reset-after's W_hn h + b_hn.
    ///   - inputProjectionGradient: (T, B, 3H) by time, receives dL/d(input projection).
    ///   - recurrentMask: recurrent dropout's (B, H) mask, or nil; with it, maskedStates
    ///     (T, B, H) by step, the products' inputs, and recurrentInputGradient, (B, H) room for
    ///     dL/d(h * mask), which reaches dL/dh_{t-1} times the mask.
    ///   - biasGradientSums: nil, or `biasGradientSumsCount(hidden:)` zeros: part p adds
    ///     the column sums of the rows and units it computed at every step, of
    ///     dL/d(input projection) at offset 6Hp and of dL/d(hidden projection) at 6Hp + 3H,
    ///     while they are still in its cache (see `addBiasGradientSums`).
    ///   - addOutputGradient: adds dL/d output at a time to the given rows and units of dh.
    static func sweepBackward(
        variant: GRUVariant, weights: PackedRecurrentGradientWeights, steps: Int, batch: Int, reverse: Bool,
        lengths: UnsafePointer<Int>, states: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>,
        auxiliary: UnsafePointer<Float>, inputProjectionGradient: UnsafeMutablePointer<Float>,
        stateGradient: UnsafeMutablePointer<Float>, previousStateGradient: UnsafeMutablePointer<Float>,
        resetStateGradient: UnsafeMutablePointer<Float>,
        recurrentMask: UnsafePointer<Float>? = nil, maskedStates: UnsafePointer<Float>? = nil,
        recurrentInputGradient: UnsafeMutablePointer<Float>? = nil,
        biasGradientSums: UnsafeMutablePointer<Float>? = nil,
        addOutputGradient: (_ time: Int, _ dh: UnsafeMutablePointer<Float>, _ rows: Range<Int>, _ units: Range<Int>) -> Void
    ) {
        precondition(recurrentMask == nil || (maskedStates != nil && recurrentInputGradient != nil),
                     "recurrent dropout's backward needs the masked states and room for their gradient")
        let hidden = weights.hidden
        // Backward panels hold 32 units, forward ones 16: the same rule in forward panels.
        let sharing = Sharing(batch: batch, hidden: hidden, panelCount: 2 * weights.panelCount)
        ThreadTeam.run(parts: sharing.parts) { part, parts in
            let (rows, panels) = sharing.share(part: part, parts: parts, batch: batch, panelCount: weights.panelCount)
            let units = weights.units(of: panels), first = rows.lowerBound
            var dh = stateGradient, dhPrevious = previousStateGradient
            for step in stride(from: steps - 1, through: 0, by: -1) {
                let time = reverse ? steps - 1 - step : step
                let stepGates = gates + (step * batch + first) * 3 * hidden
                let previous = states + (step * batch + first) * hidden
                let dInput = inputProjectionGradient + (time * batch + first) * 3 * hidden
                let dPrevious = dhPrevious + first * hidden
                addOutputGradient(time, dh, rows, units)
                switch variant {
                case .resetAfter:
                    GateKernels.resetAfterBackward(
                        batch: rows.count, hidden: hidden, first: units.lowerBound, width: units.count, time: time,
                        lengths: lengths + first, stateGradient: dh + first * hidden, previousState: previous,
                        gates: stepGates, candidateHiddenTerm: auxiliary + (step * batch + first) * hidden,
                        inputProjectionGradient: dInput, previousStateGradient: dPrevious)
                    sharing.synchronizeStep()
                    if let recurrentMask, let recurrentInputGradient {
                        weights.multiply(
                            batch: rows.count, panels: panels, weightRows: 0..<(3 * hidden), a: stepGates,
                            into: recurrentInputGradient + first * hidden, overwrite: true)
                        multiply(recurrentInputGradient, by: recurrentMask, into: dhPrevious, rows: rows, units: units,
                                 hidden: hidden, adding: true)
                    } else {
                        weights.accumulate(
                            batch: rows.count, panels: panels, hiddenProjectionGradient: stepGates,
                            stateGradient: dPrevious)
                    }
                case .resetBefore:
                    let dResetState = resetStateGradient + first * hidden
                    GateKernels.resetBeforeBackwardCandidate(
                        batch: rows.count, hidden: hidden, first: units.lowerBound, width: units.count, time: time,
                        lengths: lengths + first, stateGradient: dh + first * hidden, previousState: previous,
                        gates: stepGates, inputProjectionGradient: dInput, previousStateGradient: dPrevious)
                    sharing.synchronizeStep()
                    weights.multiply(
                        batch: rows.count, panels: panels, weightRows: (2 * hidden)..<(3 * hidden), a: stepGates,
                        into: dResetState, overwrite: true)
                    // The reset gate and W_h[r, z] saw h * mask under recurrent dropout: their
                    // gradient is for it, and reaches dL/dh_{t-1} times the mask.
                    let recurrentTarget = recurrentInputGradient.map { $0 + first * hidden } ?? dPrevious
                    if recurrentMask != nil {
                        for b in 0..<rows.count {
                            (recurrentTarget + b * hidden + units.lowerBound).update(repeating: 0, count: units.count)
                        }
                    }
                    GateKernels.resetBeforeBackwardReset(
                        batch: rows.count, hidden: hidden, first: units.lowerBound, width: units.count, time: time,
                        lengths: lengths + first, resetStateGradient: dResetState,
                        previousState: maskedStates.map { $0 + (step * batch + first) * hidden } ?? previous,
                        gates: stepGates, inputProjectionGradient: dInput, previousStateGradient: recurrentTarget)
                    sharing.synchronizeStep()
                    weights.multiply(
                        batch: rows.count, panels: panels, weightRows: 0..<(2 * hidden), a: stepGates,
                        into: recurrentTarget, overwrite: false)
                    if let recurrentMask, let recurrentInputGradient {
                        multiply(recurrentInputGradient, by: recurrentMask, into: dhPrevious, rows: rows,
                                 units: units, hidden: hidden, adding: true)
                    }
                }
                if let biasGradientSums {
                    let sums = biasGradientSums + part * 6 * hidden
                    addColumnSums(dInput, rows: rows.count, units: units, hidden: hidden, into: sums)
                    addColumnSums(stepGates, rows: rows.count, units: units, hidden: hidden, into: sums + 3 * hidden)
                }
                swap(&dh, &dhPrevious)
            }
        }
        if steps % 2 == 1 { stateGradient.update(from: previousStateGradient, count: batch * hidden) }
    }

    /// The room `sweepBackward` needs for its bias gradient sums: 2 x 3H per part.
    static func biasGradientSumsCount(hidden: Int) -> Int {
        ThreadTeam.defaultParts * 6 * hidden
    }

    /// Adds `biasGradientSums`' parts, in part order, into the input and recurrent bias
    /// gradients (3H each).
    static func addBiasGradientSums(
        _ biasGradientSums: UnsafePointer<Float>, hidden: Int,
        inputBias: UnsafeMutablePointer<Float>, recurrentBias: UnsafeMutablePointer<Float>
    ) {
        for part in 0..<ThreadTeam.defaultParts {
            let sums = biasGradientSums + part * 6 * hidden
            for j in 0..<(3 * hidden) {
                inputBias[j] += sums[j]
                recurrentBias[j] += sums[3 * hidden + j]
            }
        }
    }

    /// Adds the column sums of `rows` rows of a (rows, 3H) buffer, for `units` of each gate
    /// block, into the same columns of `sums` (3H).
    private static func addColumnSums(
        _ matrix: UnsafePointer<Float>, rows: Int, units: Range<Int>, hidden: Int,
        into sums: UnsafeMutablePointer<Float>
    ) {
        for gate in 0..<3 {
            let first = gate * hidden + units.lowerBound
            Reductions.addColumnSums(
                rows: rows, width: units.count, stride: 3 * hidden, matrix: matrix + first, into: sums + first)
        }
    }
}
