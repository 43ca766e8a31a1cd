import GRUTensor

/// A GRU direction's steps for inference, keeping no caches, shared across the thread team as
/// `StepSharing` decides; the steps are the cell's own fused ones (`GRUResetAfterStep`,
/// `GRUResetBeforeStep`), so inference computes what training computes. PyTorch's activations
/// only: `GRUInferenceSession` runs a GRU with others through `GRULayer`.
///
/// Legend: T steps, B batch, I input size, H hidden size.
enum GRUInferenceSweep {
    /// Whether a direction of `batch` rows shares its steps by hidden units (and so can
    /// project its input per panel, see `run`) rather than by rows.
    static func sharesByUnits(batch: Int, weights: PackedRecurrentWeights) -> Bool {
        !sharing(batch: batch, weights: weights).byRows
    }

    /// The inference rule for the GRU's 3H x H of W_hh.
    private static func sharing(batch: Int, weights: PackedRecurrentWeights) -> StepSharing {
        StepSharing.forInference(batch: batch, weights: weights, recurrentValues: 3 * weights.hidden * weights.hidden)
    }

    /// Runs all steps.
    ///
    /// With `inputWeights` (only when `sharesByUnits`), each thread first projects `input`
    /// (T*B, I) onto its own panels into `inputProjection`, for all steps: it then reads only
    /// its share of W_ih, writes the projections its steps read from its own cache, and no
    /// BLAS call or hand-off between threads comes before the steps.
    ///
    /// - Parameters:
    ///   - inputProjection: (T*B, 3H), all steps' W_ih x, by time; with `inputWeights`, the
    ///     room for them.
    ///   - state: (B, H) the initial state on entry, the final state on return.
    ///   - spare: (B, H) room for the other of each step's two states.
    ///   - gates: (B, 3H), resetState: (B, H): reset-before's room for a step's gates and r * h.
    ///   - output: where row b of time t's output goes: output + (t B + b) outputStride.
    static func run(
        variant: GRUVariant, weights: PackedRecurrentWeights, steps: Int, batch: Int, reverse: Bool,
        lengths: UnsafePointer<Int>, inputWeights: PackedInputWeights? = nil, input: UnsafePointer<Float>? = nil,
        inputProjection: UnsafeMutablePointer<Float>, state: UnsafeMutablePointer<Float>,
        spare: UnsafeMutablePointer<Float>, gates: UnsafeMutablePointer<Float>,
        resetState: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        let hidden = weights.hidden
        let sharing = sharing(batch: batch, weights: weights)
        precondition(inputWeights == nil || !sharing.byRows, "per-panel input projections need steps shared by units")
        let cell = GRUCell(variant: variant)
        ThreadTeam.run(parts: sharing.parts) { part, parts in
            let (rows, panels) = sharing.share(part: part, parts: parts, batch: batch, panelCount: weights.panelCount)
            let first = rows.lowerBound
            if let inputWeights, let input {
                inputWeights.project(rows: steps * batch, panels: panels, input: input, into: inputProjection)
            }
            var previous = state, next = spare
            for step in 0..<steps {
                let time = reverse ? steps - 1 - step : step
                // Reset-after needs no room between its passes; reset-before does.
                let needsRoom = variant == .resetBefore
                cell.forward(
                    RecurrentForwardStep(
                        rows: rows.count, panels: panels, time: time, lengths: lengths + first,
                        inputProjection: inputProjection + (time * batch + first) * 3 * hidden,
                        previousState: previous + first * hidden, recurrentInput: nil, state: next + first * hidden,
                        output: output + (time * batch + first) * outputStride, outputStride: outputStride,
                        gates: needsRoom ? gates + first * 3 * hidden : nil,
                        auxiliary: needsRoom ? resetState + first * hidden : nil),
                    weights: .fused(weights), barrier: sharing.barrier)
                sharing.barrier.wait()
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
    static func streamingStep(
        variant: GRUVariant, weights: PackedRecurrentWeights, inputWeights: PackedInputWeights, descending: Bool,
        lengths: UnsafePointer<Int>, input: UnsafePointer<Float>, inputProjection: UnsafeMutablePointer<Float>,
        state: UnsafeMutablePointer<Float>, spare: UnsafeMutablePointer<Float>, gates: UnsafeMutablePointer<Float>,
        resetState: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>?
    ) {
        let panelCount = weights.panelCount
        let sharing = StepSharing(batch: 1, weights: weights)
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
            sharing.barrier.wait()
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
}
