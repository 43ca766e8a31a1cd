import GRUTensor

/// One reset-after direction's steps on the packed recurrent kernel, split across GRUKit's
/// thread team by hidden units: thread p owns a range of unit panels and computes those
/// units of every h_t from all of h_{t-1}; the threads meet at one spinning barrier per step.
/// The team is started once per direction, not per step.
///
/// Legend: T steps, B batch, H hidden size.
enum PackedRecurrence {
    /// The threads a step of this shape is split across. Its recurrent product, 6 B H^2
    /// operations, must be large next to a barrier's cost (about a microsecond, the time of
    /// some 50,000 operations on one core), and every thread needs panels of its own.
    static func parts(batch: Int, hidden: Int, panelCount: Int) -> Int {
        let threads = ThreadTeam.defaultParts
        guard threads > 1, 6 * batch * hidden * hidden >= 90_000 else { return 1 }
        return min(threads, panelCount / 2)
    }

    /// Runs all steps for inference.
    ///
    /// - Parameters:
    ///   - inputProjection: (T*B, 3H), all steps' W_ih x + b_ih, by time.
    ///   - state: (B, H) the initial state on entry, the final state on return.
    ///   - spare: (B, H) room for the other of each step's two states.
    ///   - output: where row b of time t's output goes: output + (t B + b) outputStride.
    static func runInference(
        weights: PackedRecurrentWeights, steps: Int, batch: Int, reverse: Bool, lengths: UnsafePointer<Int>,
        inputProjection: UnsafePointer<Float>, state: UnsafeMutablePointer<Float>,
        spare: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        let hidden = weights.hidden
        let requested = parts(batch: batch, hidden: hidden, panelCount: weights.panelCount)
        ThreadTeam.run(parts: requested) { part, parts in
            let panels = ThreadTeam.share(of: weights.panelCount, part: part, parts: parts)
            var previous = state, next = spare
            for step in 0..<steps {
                let time = reverse ? steps - 1 - step : step
                weights.step(
                    batch: batch, panels: panels, time: time, lengths: lengths,
                    inputProjection: inputProjection + time * batch * 3 * hidden, previousState: previous,
                    state: next, output: output + time * batch * outputStride, outputStride: outputStride)
                ThreadTeam.barrier()
                swap(&previous, &next)
            }
        }
        if steps % 2 == 1 { state.update(from: spare, count: batch * hidden) }
    }

    /// Runs all steps for training, keeping the caches backward needs.
    ///
    /// - Parameters:
    ///   - states: (T+1, B, H) by step, states[0] the initial state; receives every step's state.
    ///   - gates: (T, B, 3H) by step; auxiliary: (T, B, H) by step (W_hn h + b_hn).
    ///   - output: as for `runInference`.
    static func runTraining(
        weights: PackedRecurrentWeights, steps: Int, batch: Int, reverse: Bool, lengths: UnsafePointer<Int>,
        inputProjection: UnsafePointer<Float>, states: UnsafeMutablePointer<Float>,
        gates: UnsafeMutablePointer<Float>, auxiliary: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        let hidden = weights.hidden
        let requested = parts(batch: batch, hidden: hidden, panelCount: weights.panelCount)
        ThreadTeam.run(parts: requested) { part, parts in
            let panels = ThreadTeam.share(of: weights.panelCount, part: part, parts: parts)
            for step in 0..<steps {
                let time = reverse ? steps - 1 - step : step
                weights.step(
                    batch: batch, panels: panels, time: time, lengths: lengths,
                    inputProjection: inputProjection + time * batch * 3 * hidden,
                    previousState: states + step * batch * hidden, state: states + (step + 1) * batch * hidden,
                    output: output + time * batch * outputStride, outputStride: outputStride,
                    gates: gates + step * batch * 3 * hidden, candidateHiddenTerm: auxiliary + step * batch * hidden)
                ThreadTeam.barrier()
            }
        }
    }

    /// Walks one direction's steps in reverse, each thread taking a range of units: the gate
    /// gradients of its units, then (after all threads are done with them) its units of
    /// dL/dh_{t-1} = dh * z + dGh W_hh[:, units]. One barrier per step: a thread's units of
    /// dL/dh_{t-1} are its own to read at the next step.
    ///
    /// - Parameters:
    ///   - stateGradient: (B, H) dL/dh_T on entry, dL/dh_0 on return.
    ///   - previousStateGradient: (B, H) room for the other of each step's two gradients.
    ///   - gates: (T, B, 3H) by step; overwritten with dL/d(hidden projection).
    ///   - inputProjectionGradient: (T, B, 3H) by time, receives dL/d(input projection).
    ///   - addOutputGradient: adds dL/d output at a time to the given units of dh.
    static func sweepBackward(
        weights: PackedRecurrentGradientWeights, steps: Int, batch: Int, reverse: Bool,
        lengths: UnsafePointer<Int>, states: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>,
        auxiliary: UnsafePointer<Float>, inputProjectionGradient: UnsafeMutablePointer<Float>,
        stateGradient: UnsafeMutablePointer<Float>, previousStateGradient: UnsafeMutablePointer<Float>,
        addOutputGradient: (_ time: Int, _ dh: UnsafeMutablePointer<Float>, _ units: Range<Int>) -> Void
    ) {
        let hidden = weights.hidden
        let requested = parts(batch: batch, hidden: hidden, panelCount: 2 * weights.panelCount)
        ThreadTeam.run(parts: requested) { part, parts in
            let panels = ThreadTeam.share(of: weights.panelCount, part: part, parts: parts)
            let units = weights.units(of: panels)
            var dh = stateGradient, dhPrevious = previousStateGradient
            for step in stride(from: steps - 1, through: 0, by: -1) {
                let time = reverse ? steps - 1 - step : step
                let stepGates = gates + step * batch * 3 * hidden
                addOutputGradient(time, dh, units)
                GateKernels.resetAfterBackward(
                    batch: batch, hidden: hidden, first: units.lowerBound, width: units.count, time: time,
                    lengths: lengths, stateGradient: dh, previousState: states + step * batch * hidden,
                    gates: stepGates, candidateHiddenTerm: auxiliary + step * batch * hidden,
                    inputProjectionGradient: inputProjectionGradient + time * batch * 3 * hidden,
                    previousStateGradient: dhPrevious)
                ThreadTeam.barrier()
                weights.accumulate(
                    batch: batch, panels: panels, hiddenProjectionGradient: stepGates, stateGradient: dhPrevious)
                swap(&dh, &dhPrevious)
            }
        }
        if steps % 2 == 1 { stateGradient.update(from: previousStateGradient, count: batch * hidden) }
    }
}
