import GRUTensor

/// One direction's steps for training, forward and backward, over any cell, shared across
/// the thread team as `StepSharing` decides; the team is started once per direction.
///
/// Recurrent dropout is handled here, once for every cell: with a (B, H) mask, forward keeps
/// h_s * mask for every step (what the products read; the update reads h_s) and backward gives
/// the cell a zeroed buffer for dL/d(h * mask), which it adds to dL/dh_{t-1} times the mask.
///
/// Zoneout (`Zoneout`) is applied here too, after the cell's step and before the masked state.
///
/// Legend: T steps, B batch, G gates, H hidden size. "Step" s counts in processing order: time
/// t = s forward, t = T - 1 - s in reverse.
enum RecurrentSweep {
    /// Runs all steps, filling the trace's states and caches and the direction's output.
    ///
    /// - Parameters:
    ///   - inputProjection: (T*B, G*H) W_ih x of every step, by time, without b_ih.
    ///   - trace: states[0] holds the initial state, and cellStates[0] the initial cell state.
    ///   - output: where row b of time t's output goes: output + (t B + b) outputStride.
    static func forward<Cell: RecurrentCell>(
        cell: Cell, weights: Cell.StepWeights, steps: Int, batch: Int, reverse: Bool,
        lengths: UnsafePointer<Int>, inputProjection: UnsafePointer<Float>, trace: RecurrentDirectionTrace,
        output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        let hidden = weights.hidden, width = Cell.gateCount * hidden
        let sharing = StepSharing(batch: batch, weights: weights)
        let states = trace.states.pointer, gates = trace.gates.pointer, auxiliary = trace.auxiliary.pointer
        let mask = trace.recurrentMask?.pointer, maskedStates = trace.maskedStates?.pointer
        let keep = trace.zonesOut ? Zoneout.Keep(trace, hidden: hidden) : nil
        let cellStates = trace.cellStates?.pointer
        let cache = trace.stepCache?.pointer, cacheWidth = Cell.stepCacheWidth(hidden: hidden)
        if let mask, let maskedStates {
            multiply(states, by: mask, into: maskedStates, rows: 0..<batch, units: 0..<hidden, hidden: hidden)
        }
        ThreadTeam.run(parts: sharing.parts) { part, parts in
            let (rows, panels) = sharing.share(part: part, parts: parts, batch: batch, panelCount: weights.panelCount)
            let first = rows.lowerBound
            for step in 0..<steps {
                let time = reverse ? steps - 1 - step : step
                let stepRow = step * batch + first
                let timeRow = time * batch + first
                var forwardStep = RecurrentForwardStep(
                    rows: rows.count, panels: panels, time: time, lengths: lengths + first,
                    inputProjection: inputProjection + timeRow * width,
                    previousState: states + stepRow * hidden,
                    recurrentInput: maskedStates.map { UnsafePointer($0 + stepRow * hidden) },
                    state: states + (stepRow + batch) * hidden,
                    output: output + timeRow * outputStride, outputStride: outputStride,
                    gates: gates + stepRow * width, auxiliary: auxiliary + stepRow * hidden)
                if let cellStates {
                    forwardStep.previousCellState = UnsafePointer(cellStates + stepRow * hidden)
                    forwardStep.cellState = cellStates + (stepRow + batch) * hidden
                }
                forwardStep.cache = cache.map { $0 + stepRow * cacheWidth }
                cell.forward(forwardStep, weights: weights, barrier: sharing.barrier)
                if let keep {
                    Zoneout.forward(
                        keep, time: time, batch: batch, hidden: hidden, rows: rows, units: weights.units(of: panels),
                        lengths: lengths, previousState: states + step * batch * hidden,
                        state: states + (step + 1) * batch * hidden, output: output + time * batch * outputStride,
                        outputStride: outputStride)
                }
                // This part's share of the next step's masked state, before the others read it.
                if let mask, let maskedStates, step + 1 < steps {
                    let next = (step + 1) * batch * hidden
                    multiply(
                        states + next, by: mask, into: maskedStates + next, rows: rows,
                        units: weights.units(of: panels), hidden: hidden)
                }
                sharing.barrier.wait()
            }
        }
    }

    /// Walks one direction's steps in reverse, each thread taking its rows or its units.
    ///
    /// Fills `workspace.inputProjectionGradient` (T, B, G*H) by time and, over the trace's
    /// gate caches, dL/d(hidden projection) by step; leaves dL/dh_0 in
    /// `workspace.stateGradient` (dL/dh_T on entry), likewise dL/dc_0 in
    /// `workspace.cellStateGradient` for a cell that carries a cell state, and, when `sumsBiasGradients`, each part's
    /// column sums of both gradients in `workspace.biasGradientSums` (see
    /// `addBiasGradientSums`), added while they were in its cache.
    ///
    /// - Parameters:
    ///   - outputGradient: dL/d output of this direction: row b of time t at
    ///     outputGradient + (t B + b) outputStride.
    static func backward<Cell: RecurrentCell>(
        cell: Cell, weights: Cell.GradientWeights, steps: Int, batch: Int, reverse: Bool,
        lengths: UnsafePointer<Int>, trace: RecurrentDirectionTrace,
        outputGradient: UnsafePointer<Float>, outputStride: Int,
        workspace: RecurrentBackwardWorkspace, sumsBiasGradients: Bool
    ) {
        let hidden = weights.hidden, width = Cell.gateCount * hidden
        let sharing = StepSharing(batch: batch, weights: weights)
        let states = trace.states.pointer, gates = trace.gates.pointer, auxiliary = trace.auxiliary.pointer
        let mask = trace.recurrentMask?.pointer
        let keep = trace.zonesOut ? Zoneout.Keep(trace, hidden: hidden) : nil, carry = workspace.zoneoutCarry.pointer
        let cellStates = trace.cellStates?.pointer
        let cache = trace.stepCache?.pointer, cacheWidth = Cell.stepCacheWidth(hidden: hidden)
        let recurrentInputs = trace.recurrentInputs
        let inputProjectionGradient = workspace.inputProjectionGradient.pointer
        let maskedGradient = workspace.recurrentInputGradient.pointer
        ThreadTeam.run(parts: sharing.parts) { part, parts in
            let (rows, panels) = sharing.share(part: part, parts: parts, batch: batch, panelCount: weights.panelCount)
            let units = weights.units(of: panels), first = rows.lowerBound
            var dh = workspace.stateGradient.pointer, dhPrevious = workspace.previousStateGradient.pointer
            var dc = workspace.cellStateGradient?.pointer, dcPrevious = workspace.previousCellStateGradient?.pointer
            for step in stride(from: steps - 1, through: 0, by: -1) {
                let time = reverse ? steps - 1 - step : step
                let stepRow = step * batch + first
                let dInput = inputProjectionGradient + (time * batch + first) * width
                for b in rows where time < lengths[b] {
                    let source = outputGradient + (time * batch + b) * outputStride
                    for j in units { dh[b * hidden + j] += source[j] }
                }
                if let keep {
                    Zoneout.splitGradient(
                        keep, time: time, batch: batch, hidden: hidden, rows: rows, units: units, lengths: lengths,
                        stateGradient: dh, carry: carry)
                }
                // Under recurrent dropout the products saw h * mask: their gradient goes to a
                // buffer of its own first.
                if mask != nil {
                    for b in rows {
                        (maskedGradient + b * hidden + units.lowerBound).update(repeating: 0, count: units.count)
                    }
                }
                let dPrevious = dhPrevious + first * hidden
                var backwardStep = RecurrentBackwardStep(
                    rows: rows.count, panels: panels, units: units, time: time, lengths: lengths + first,
                    stateGradient: dh + first * hidden, previousState: states + stepRow * hidden,
                    recurrentInput: recurrentInputs + stepRow * hidden, gates: gates + stepRow * width,
                    auxiliary: auxiliary + stepRow * hidden, inputProjectionGradient: dInput,
                    previousStateGradient: dPrevious,
                    recurrentInputGradient: mask == nil ? dPrevious : maskedGradient + first * hidden,
                    scratch: workspace.scratch.pointer + first * hidden)
                if let cellStates, let dc, let dcPrevious {
                    backwardStep.previousCellState = UnsafePointer(cellStates + stepRow * hidden)
                    backwardStep.cellState = UnsafePointer(cellStates + (stepRow + batch) * hidden)
                    backwardStep.cellStateGradient = UnsafePointer(dc + first * hidden)
                    backwardStep.previousCellStateGradient = dcPrevious + first * hidden
                }
                backwardStep.cache = cache.map { UnsafePointer($0 + stepRow * cacheWidth) }
                cell.backward(backwardStep, weights: weights, barrier: sharing.barrier)
                if let mask {
                    multiply(
                        maskedGradient, by: mask, into: dhPrevious, rows: rows, units: units, hidden: hidden,
                        adding: true)
                }
                if keep != nil {
                    Zoneout.addCarry(
                        carry, time: time, hidden: hidden, rows: rows, units: units, lengths: lengths,
                        into: dhPrevious)
                }
                if sumsBiasGradients {
                    let sums = workspace.biasGradientSums.pointer + part * 2 * width
                    addColumnSums(
                        dInput, rows: rows.count, units: units, hidden: hidden, gates: Cell.gateCount, into: sums)
                    addColumnSums(
                        gates + stepRow * width, rows: rows.count, units: units, hidden: hidden, gates: Cell.gateCount,
                        into: sums + width)
                }
                swap(&dh, &dhPrevious)
                swap(&dc, &dcPrevious)
            }
        }
        if steps % 2 == 1 {
            workspace.stateGradient.pointer.update(from: workspace.previousStateGradient.pointer, count: batch * hidden)
            if let dc = workspace.cellStateGradient, let dcPrevious = workspace.previousCellStateGradient {
                dc.pointer.update(from: dcPrevious.pointer, count: batch * hidden)
            }
        }
    }

    /// Adds `biasGradientSums`' parts, in part order, into the input and recurrent bias
    /// gradients (G*H each).
    static func addBiasGradientSums(
        _ biasGradientSums: UnsafePointer<Float>, width: Int,
        inputBias: UnsafeMutablePointer<Float>, recurrentBias: UnsafeMutablePointer<Float>
    ) {
        for part in 0..<ThreadTeam.defaultParts {
            let sums = biasGradientSums + part * 2 * width
            for j in 0..<width {
                inputBias[j] += sums[j]
                recurrentBias[j] += sums[width + j]
            }
        }
    }

    /// dW_hh (G*H, H) += dL/d(hidden projection)^T (recurrent inputs) over all T*B rows, for
    /// cells whose every gate's product saw the recurrent inputs.
    static func accumulateRecurrentWeightGradient(
        gates: Int, rows: Int, hidden: Int, hiddenProjectionGradient: UnsafePointer<Float>,
        recurrentInputs: UnsafePointer<Float>, into gradient: UnsafeMutablePointer<Float>
    ) {
        Matmul.gemm(
            transposeA: true, transposeB: false, m: gates * hidden, n: hidden, k: rows,
            a: hiddenProjectionGradient, lda: gates * hidden, b: recurrentInputs, ldb: hidden,
            beta: 1, c: gradient, ldc: hidden)
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

    /// Adds the column sums of `rows` rows of a (rows, G*H) buffer, for `units` of each gate
    /// block, into the same columns of `sums` (G*H).
    private static func addColumnSums(
        _ matrix: UnsafePointer<Float>, rows: Int, units: Range<Int>, hidden: Int, gates: Int,
        into sums: UnsafeMutablePointer<Float>
    ) {
        for gate in 0..<gates {
            let first = gate * hidden + units.lowerBound
            Reductions.addColumnSums(
                rows: rows, width: units.count, stride: gates * hidden, matrix: matrix + first, into: sums + first)
        }
    }
}

/// One direction's backward buffers, sized once per call.
struct RecurrentBackwardWorkspace {
    let inputProjectionGradient: ScratchBuffer  // (T, B, G*H) by time
    let stateGradient: ScratchBuffer  // (B, H)
    let previousStateGradient: ScratchBuffer  // (B, H)
    let scratch: ScratchBuffer  // (B, H), the cell's intermediate gradients
    let recurrentInputGradient: ScratchBuffer  // (B, H), d(h * mask) under recurrent dropout
    let zoneoutCarry: ScratchBuffer  // (B, H), dL/dh_t m under zoneout
    let biasGradientSums: ScratchBuffer  // (parts, 2, G*H), the sweep's column sums
    let cellStateGradient: ScratchBuffer?  // (B, H), dL/dc for a cell that carries c
    let previousCellStateGradient: ScratchBuffer?  // (B, H)

    init(steps: Int, batch: Int, hidden: Int, gates: Int, carriesCellState: Bool = false) {
        // Every step writes its rows in full, masked rows included.
        inputProjectionGradient = ScratchBuffer(uninitializedCount: steps * batch * gates * hidden)
        stateGradient = ScratchBuffer(count: batch * hidden)
        previousStateGradient = ScratchBuffer(count: batch * hidden)
        scratch = ScratchBuffer(count: batch * hidden)
        recurrentInputGradient = ScratchBuffer(count: batch * hidden)
        zoneoutCarry = ScratchBuffer(count: batch * hidden)
        biasGradientSums = ScratchBuffer(count: ThreadTeam.defaultParts * 2 * gates * hidden)
        cellStateGradient = carriesCellState ? ScratchBuffer(count: batch * hidden) : nil
        previousCellStateGradient = carriesCellState ? ScratchBuffer(count: batch * hidden) : nil
    }
}
