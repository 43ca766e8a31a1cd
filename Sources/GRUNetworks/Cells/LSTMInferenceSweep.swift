import GRUTensor

/// An LSTM direction's steps for inference, keeping no caches, shared across the thread team
/// as `StepSharing` decides; the steps are the cell's own (`LSTMStep`), so inference computes
/// what training computes.
///
/// Legend: T steps, B batch, I input size, H hidden size.
enum LSTMInferenceSweep {
    /// The states of one direction: h and c, each with room for the other of a step's two.
    struct States {
        /// (B, H) h_0 on entry, h_T on return; spare: (B, H) room.
        let state: UnsafeMutablePointer<Float>, spare: UnsafeMutablePointer<Float>
        /// (B, H) c_0 on entry, c_T on return; cellSpare: (B, H) room.
        let cellState: UnsafeMutablePointer<Float>, cellSpare: UnsafeMutablePointer<Float>
        /// (B, 4H) room for a step's W_hh h and gates.
        let gates: UnsafeMutablePointer<Float>
    }

    /// Runs all steps.
    ///
    /// - Parameters:
    ///   - inputProjection: (T*B, 4H), all steps' W_ih x, by time, without b_ih.
    ///   - output: where row b of time t's output goes: output + (t B + b) outputStride.
    static func run(
        weights: LSTMStepWeights, steps: Int, batch: Int, reverse: Bool, lengths: UnsafePointer<Int>,
        inputProjection: UnsafePointer<Float>, states: States, output: UnsafeMutablePointer<Float>,
        outputStride: Int
    ) {
        let hidden = weights.hidden, width = 4 * hidden
        let sharing = StepSharing(batch: batch, weights: weights)
        ThreadTeam.run(parts: sharing.parts) { part, parts in
            let (rows, panels) = sharing.share(part: part, parts: parts, batch: batch, panelCount: weights.panelCount)
            let first = rows.lowerBound
            var previous = states.state, next = states.spare
            var previousCell = states.cellState, nextCell = states.cellSpare
            for step in 0..<steps {
                let time = reverse ? steps - 1 - step : step
                var forwardStep = RecurrentForwardStep(
                    rows: rows.count, panels: panels, time: time, lengths: lengths + first,
                    inputProjection: inputProjection + (time * batch + first) * width,
                    previousState: previous + first * hidden, recurrentInput: nil, state: next + first * hidden,
                    output: output + (time * batch + first) * outputStride, outputStride: outputStride,
                    gates: states.gates + first * width, auxiliary: nil)
                forwardStep.previousCellState = UnsafePointer(previousCell + first * hidden)
                forwardStep.cellState = nextCell + first * hidden
                LSTMStep.forward(forwardStep, weights: weights, barrier: sharing.barrier)
                // The next step's products read every unit of h_t; its gates overwrite the room.
                sharing.barrier.wait()
                swap(&previous, &next)
                swap(&previousCell, &nextCell)
            }
        }
        if steps % 2 == 1 {
            states.state.update(from: states.spare, count: batch * hidden)
            states.cellState.update(from: states.cellSpare, count: batch * hidden)
        }
    }

    /// All steps of one sequence (B = 1) on the single-row packing: each thread first projects
    /// every step's input onto its own blocks (it then reads only its share of W_ih, and no
    /// BLAS call or hand-off comes before the steps), then steps its blocks with one barrier a
    /// step. Steps at t >= `length` carry the state and output zeros.
    ///
    /// - Parameters:
    ///   - input: (T, I); projection: (T, 4 * 32 U) room.
    ///   - states: B = 1; `states.gates` has 4 * 32 U values.
    ///   - output: row t at output + t outputStride.
    static func runOneRow(
        weights: LSTMSingleRowWeights, steps: Int, length: Int, reverse: Bool, input: UnsafePointer<Float>,
        projection: UnsafeMutablePointer<Float>, states: States, output: UnsafeMutablePointer<Float>,
        outputStride: Int
    ) {
        let hidden = weights.hidden, width = weights.gateWidth
        let sharing = StepSharing(batch: 1, weights: weights)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 1) { active in
            active[0] = 1
            ThreadTeam.run(parts: sharing.parts) { part, parts in
                let blocks = ThreadTeam.share(of: weights.panelCount, part: part, parts: parts)
                weights.projectInputs(rows: steps, blocks: blocks, input: input, into: projection)
                var previous = states.state, next = states.spare
                var previousCell = states.cellState, nextCell = states.cellSpare
                for step in 0..<length {
                    let time = reverse ? length - 1 - step : step
                    weights.step(
                        blocks: blocks, input: nil, previousState: previous, previousCellState: previousCell,
                        state: next, cellState: nextCell, output: output + time * outputStride,
                        projection: projection + time * width, gates: states.gates,
                        lengths: UnsafePointer(active.baseAddress!))
                    // The next step's products read every unit of h_t.
                    ThreadTeam.barrier()
                    swap(&previous, &next)
                    swap(&previousCell, &nextCell)
                }
            }
        }
        if length % 2 == 1 {
            states.state.update(from: states.spare, count: hidden)
            states.cellState.update(from: states.cellSpare, count: hidden)
        }
        for time in length..<steps { (output + time * outputStride).update(repeating: 0, count: hidden) }
    }

    /// One step of one sequence (streaming) on the single-row packing, its input projection
    /// fused in: each thread projects x_t onto its own blocks just before stepping them, so it
    /// reads only its share of W_ih and W_hh, the same share every call, and the step needs no
    /// barrier but the team's join.
    ///
    /// - Parameters:
    ///   - input: (1, I) x_t; projection: (4 * 32 U) room.
    ///   - states: B = 1, h and c updated in place (through the spares); `states.gates` has
    ///     4 * 32 U values.
    ///   - output: (1, H) receives h_t as well, or nil.
    static func streamingStep(
        weights: LSTMSingleRowWeights, input: UnsafePointer<Float>, projection: UnsafeMutablePointer<Float>,
        states: States, output: UnsafeMutablePointer<Float>?
    ) {
        let hidden = weights.hidden
        let sharing = StepSharing(batch: 1, weights: weights)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 1) { active in
            active[0] = 1
            ThreadTeam.run(parts: sharing.parts) { part, parts in
                weights.step(
                    blocks: ThreadTeam.share(of: weights.panelCount, part: part, parts: parts), input: input,
                    previousState: states.state, previousCellState: states.cellState, state: states.spare,
                    cellState: states.cellSpare, output: output, projection: projection, gates: states.gates,
                    lengths: UnsafePointer(active.baseAddress!))
            }
        }
        states.state.update(from: states.spare, count: hidden)
        states.cellState.update(from: states.cellSpare, count: hidden)
    }
}
