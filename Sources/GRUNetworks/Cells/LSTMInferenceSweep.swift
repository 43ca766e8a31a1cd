import GRUTensor

/// An LSTM direction's steps for inference, keeping no caches, shared across the thread team
/// as `StepSharing` decides, on the regrouped packing (`LSTMRegroupedWeights`) and the cell's
/// own gate kernels (`LSTMGateKernels`, which `LSTMStep` runs in training), so inference
/// computes what training computes.
///
/// Legend: T steps, B batch, I input size, H hidden size.
enum LSTMInferenceSweep {
    /// The states of one direction: h and c, each with room for the other of a step's two.
    struct States {
        /// (B, H) h_0 on entry, h_T on return; spare: (B, H) room.
        let state: UnsafeMutablePointer<Float>, spare: UnsafeMutablePointer<Float>
        /// (B, H) c_0 on entry, c_T on return; cellSpare: (B, H) room.
        let cellState: UnsafeMutablePointer<Float>, cellSpare: UnsafeMutablePointer<Float>
        /// (B, W) room for a step's W_hh h and gates, regrouped.
        let gates: UnsafeMutablePointer<Float>
    }

    /// Runs all steps on the regrouped packing (`LSTMRegroupedWeights`), with one barrier a
    /// step when threads share the hidden units, none when they share the rows.
    ///
    /// The input projections are hoisted out of the steps: one GEMM over all T*B rows when
    /// threads share rows; when they share units, each thread projects every step's rows onto
    /// its own blocks first (it then reads only its share of W_ih, and no BLAS call or hand-off
    /// comes before the steps).
    ///
    /// - Parameters:
    ///   - input: (T*B, I), by time; projection: (T*B, W) room for W_ih x.
    ///   - states: `states.gates` has B * W values.
    ///   - output: where row b of time t's output goes: output + (t B + b) outputStride.
    static func run(
        weights: LSTMRegroupedWeights, steps: Int, batch: Int, reverse: Bool, lengths: UnsafePointer<Int>,
        input: UnsafePointer<Float>, projection: UnsafeMutablePointer<Float>, states: States,
        output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        let hidden = weights.hidden, width = weights.gateWidth
        let sharing = StepSharing.forInference(batch: batch, weights: weights, recurrentValues: width * hidden)
        if sharing.byRows {
            weights.inputRows.withUnsafeBufferPointer {
                Matmul.gemm(
                    transposeA: false, transposeB: true, m: steps * batch, n: width, k: weights.inputSize,
                    a: input, lda: weights.inputSize, b: $0.baseAddress!, ldb: weights.inputSize, beta: 0,
                    c: projection, ldc: width)
            }
        }
        ThreadTeam.run(parts: sharing.parts) { part, parts in
            let (rows, blocks) = sharing.share(part: part, parts: parts, batch: batch, panelCount: weights.panelCount)
            if !sharing.byRows {
                weights.projectInputs(rows: steps * batch, blocks: blocks, input: input, into: projection)
            }
            let first = rows.lowerBound
            var previous = states.state, next = states.spare
            var previousCell = states.cellState, nextCell = states.cellSpare
            for step in 0..<steps {
                let time = reverse ? steps - 1 - step : step
                weights.step(
                    rows: rows.count, blocks: blocks, time: time, lengths: lengths + first, input: nil,
                    previousState: previous + first * hidden, previousCellState: previousCell + first * hidden,
                    state: next + first * hidden, cellState: nextCell + first * hidden,
                    output: output + (time * batch + first) * outputStride, outputStride: outputStride,
                    projection: projection + (time * batch + first) * width, gates: states.gates + first * width)
                // The next step's products read every unit of h_t.
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

    /// One step of one sequence (streaming) on the regrouped packing, its input projection
    /// fused in: each thread projects x_t onto its own blocks just before stepping them, so it
    /// reads only its share of W_ih and W_hh, the same share every call, and the step needs no
    /// barrier but the team's join.
    ///
    /// - Parameters:
    ///   - input: (1, I) x_t; projection: (W) room.
    ///   - states: B = 1, h and c updated in place (through the spares); `states.gates` has
    ///     W values.
    ///   - output: (1, H) receives h_t as well, or nil.
    static func streamingStep(
        weights: LSTMRegroupedWeights, input: UnsafePointer<Float>, projection: UnsafeMutablePointer<Float>,
        states: States, output: UnsafeMutablePointer<Float>?
    ) {
        let hidden = weights.hidden
        let sharing = StepSharing(batch: 1, weights: weights)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 1) { length in
            length[0] = 1
            ThreadTeam.run(parts: sharing.parts) { part, parts in
                weights.step(
                    rows: 1, blocks: ThreadTeam.share(of: weights.panelCount, part: part, parts: parts), time: 0,
                    lengths: UnsafePointer(length.baseAddress!), input: input, previousState: states.state,
                    previousCellState: states.cellState, state: states.spare, cellState: states.cellSpare,
                    output: output, outputStride: hidden, projection: projection, gates: states.gates)
            }
        }
        states.state.update(from: states.spare, count: hidden)
        states.cellState.update(from: states.cellSpare, count: hidden)
    }
}
