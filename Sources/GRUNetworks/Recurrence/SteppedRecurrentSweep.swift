import GRUTensor

/// A one-layer, one-direction recurrent layer run a step at a time, for a caller whose next
/// input depends on the state just computed (a decoder that reads its own attention).
///
/// Calling `RecurrentLayer.forward` once per step would pack W_hh, size a trace and form the
/// weight gradients with B-row GEMMs at every step; here the weights are packed once, the
/// trace and the backward buffers are sized once for all T steps, and the weight gradients
/// are formed once over all T*B rows, as `RecurrentLayer` forms them. Backward walks the steps
/// back one at a time, so that the caller can add what else flows into dL/dh_{t-1} (the
/// attention query's gradient) between them.
///
/// Every row runs all T steps (no lengths), and only cells without a cell state, extra
/// parameters or caches (the GRU, the plain RNN). Training's recurrent dropout, zoneout and
/// weight-drop draw the masks `RecurrentLayer.forward` would for a one-layer, one-direction
/// layer with the same `GRUDropout`, and are applied as `RecurrentSweep` applies them;
/// without one, the layer's own `zoneout` gives zoneout's expectation.
///
/// Legend: T steps, B batch, I input size, G gates, H hidden size.
public final class SteppedRecurrentSweep<Cell: RecurrentCell> {
    private let layer: RecurrentLayer<Cell>
    private let steps: Int, batch: Int, inputSize: Int, hidden: Int, width: Int
    private let weights: UnsafeBufferPointer<Float>
    /// W_hh, or W_hh times weight-drop's mask, which `packed` and the gradient weights hold.
    private let recurrentWeight: WeightDrop.Weights
    private let packed: Cell.StepWeights
    /// Zoneout's keep factors, a mask or the expectation; nil without zoneout.
    private let keep: Zoneout.Keep?
    private let sharing: StepSharing
    private let trace: RecurrentDirectionTrace
    private let lengths: [Int]
    private let inputs: ScratchBuffer  // (T, B, I) every step's input, for dW_ih
    private let projection: ScratchBuffer  // (B, G*H) the step's W_ih x_t
    private var workspace: RecurrentBackwardWorkspace?
    private var gradientWeights: Cell.GradientWeights?

    /// A sweep of `steps` steps of `batch` rows from `initialState` (B*H values), on the
    /// layer's `weights`, which must stay valid and unchanged until the last call, with
    /// training's `dropout` (its between-layer rate unused: there is one layer) or nil.
    public init(
        _ layer: RecurrentLayer<Cell>, steps: Int, batch: Int, initialState: UnsafePointer<Float>,
        weights: UnsafeBufferPointer<Float>, dropout: GRUDropout? = nil
    ) {
        let config = layer.configuration
        precondition(
            config.layerCount == 1 && config.directionCount == 1 && !Cell.carriesCellState
                && layer.layout.extraParameters.isEmpty
                && Cell.inputProjectionCacheWidth(hidden: config.hiddenSize) == 0
                && Cell.stepCacheWidth(hidden: config.hiddenSize) == 0,
            "a stepped sweep runs one layer, one direction, of a cell without cell state, extras or caches")
        precondition(weights.count == layer.layout.count, "the layer's \(layer.layout.count) weights")
        self.layer = layer
        self.steps = steps
        self.batch = batch
        inputSize = config.inputSize
        hidden = config.hiddenSize
        width = Cell.gateCount * hidden
        self.weights = weights
        precondition(
            (0..<1).contains(dropout?.zoneout ?? 0) && (0..<1).contains(dropout?.weightDrop ?? 0),
            "zoneout and weight-drop rates must be in [0, 1)")
        // In `RecurrentLayer.forward`'s order, so that the masks are the layer's.
        var masks = DropoutMasks(dropout)
        trace = RecurrentDirectionTrace(
            steps: steps, batch: batch, hidden: hidden, gates: Cell.gateCount,
            recurrentMask: masks.recurrent(batch: batch, hidden: hidden),
            zoneoutMask: masks.zoneout(steps: steps, batch: batch, hidden: hidden),
            zoneoutExpectation: dropout == nil ? layer.zoneout : 0,
            weightDropMask: masks.weightDrop(count: width * hidden))
        keep = trace.zonesOut ? Zoneout.Keep(trace, hidden: hidden) : nil
        let w = layer.views(layer: 0, direction: 0, of: weights.baseAddress!)
        recurrentWeight = WeightDrop.masked(w.recurrentWeight, by: trace.weightDropMask)
        packed = layer.cell.packStepWeights(
            hidden: hidden, recurrentWeight: recurrentWeight.pointer, recurrentBias: w.recurrentBias,
            inputBias: w.inputBias, extraParameters: nil)
        sharing = StepSharing(batch: batch, weights: packed)
        trace.states.pointer.update(from: initialState, count: batch * hidden)
        lengths = [Int](repeating: steps, count: batch)
        inputs = ScratchBuffer(uninitializedCount: steps * batch * inputSize)
        projection = ScratchBuffer(uninitializedCount: batch * width)
    }

    /// The room for step t's input x_t, (B, I), to be filled before `forward(step:)`.
    public func input(step t: Int) -> UnsafeMutablePointer<Float> {
        inputs.pointer + t * batch * inputSize
    }

    /// h_t, (B, H), for t in 0...T: h_0 the initial state, h_t valid once step t - 1 has run.
    public func state(_ t: Int) -> UnsafePointer<Float> {
        UnsafePointer(trace.states.pointer + t * batch * hidden)
    }

    /// Runs step t (steps in order 0, 1, ...) on the input written at `input(step: t)`;
    /// returns the state after it, `state(t + 1)`.
    @discardableResult
    public func forward(step t: Int) -> UnsafePointer<Float> {
        let w = layer.views(layer: 0, direction: 0, of: weights.baseAddress!)
        // W_ih x_t, without b_ih: the packed step adds it.
        Matmul.gemm(
            transposeA: false, transposeB: true, m: batch, n: width, k: inputSize, a: input(step: t), lda: inputSize,
            b: w.inputWeight, ldb: inputSize, beta: 0, c: projection.pointer, ldc: width)
        let states = trace.states.pointer, gates = trace.gates.pointer, auxiliary = trace.auxiliary.pointer
        let (cell, packed, sharing, batch, hidden, width) = (layer.cell, packed, sharing, batch, hidden, width)
        let projection = projection, count = batch * hidden
        // Under recurrent dropout the products read h_t * mask.
        let maskedStates = trace.maskedStates?.pointer
        if let mask = trace.recurrentMask?.pointer, let maskedStates {
            for i in 0..<count { maskedStates[t * count + i] = states[t * count + i] * mask[i] }
        }
        runShares(of: t, sharing: sharing, weights: packed) { rows, panels, lengths, first, row in
            cell.forward(
                RecurrentForwardStep(
                    rows: rows.count, panels: panels, time: t, lengths: lengths,
                    inputProjection: projection.pointer + first * width, previousState: states + row * hidden,
                    recurrentInput: maskedStates.map { UnsafePointer($0 + row * hidden) },
                    state: states + (row + batch) * hidden, output: nil, outputStride: hidden,
                    gates: gates + row * width, auxiliary: auxiliary + row * hidden),
                weights: packed, barrier: sharing.barrier)
        }
        if let keep {
            // The zoned-out state is its own output.
            lengths.withUnsafeBufferPointer { lengths in
                Zoneout.forward(
                    keep, time: t, batch: batch, hidden: hidden, rows: 0..<batch, units: 0..<hidden,
                    lengths: lengths.baseAddress!, previousState: states + t * count,
                    state: states + (t + 1) * count, output: states + (t + 1) * count, outputStride: hidden)
            }
        }
        return state(t + 1)
    }

    // MARK: - Backward

    /// Backward of step t (steps in reverse, T - 1 first, after every forward step) from
    /// dL/dh_{t+1} (B, H), everything that flows into the step's output: writes dL/dx_t (B, I)
    /// into `inputGradient` and returns the part of dL/dh_t through the step, (B, H), valid
    /// until the next call (so `stateGradient` must be another buffer).
    public func backward(
        step t: Int, stateGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>
    ) -> UnsafePointer<Float> {
        let w = layer.views(layer: 0, direction: 0, of: weights.baseAddress!)
        if workspace == nil {
            workspace = RecurrentBackwardWorkspace(steps: steps, batch: batch, hidden: hidden, gates: Cell.gateCount)
            gradientWeights = layer.cell.packGradientWeights(
                hidden: hidden, recurrentWeight: recurrentWeight.pointer, extraParameters: nil)
        }
        let workspace = workspace!, weights = gradientWeights!
        let states = trace.states.pointer, gates = trace.gates.pointer, auxiliary = trace.auxiliary.pointer
        let recurrentInputs = trace.recurrentInputs, mask = trace.recurrentMask?.pointer
        let dInput = workspace.inputProjectionGradient.pointer + t * batch * width
        let dPrevious = workspace.previousStateGradient.pointer, scratch = workspace.scratch.pointer
        let maskedGradient = workspace.recurrentInputGradient.pointer, carry = workspace.zoneoutCarry.pointer
        let (cell, hidden, width, count) = (layer.cell, hidden, width, batch * hidden)
        // Zoneout: the cell gets dL/dh_{t+1} (1 - m), and dL/dh_{t+1} m goes to h_t directly.
        var cellStateGradient = stateGradient
        if let keep {
            workspace.stateGradient.pointer.update(from: stateGradient, count: count)
            lengths.withUnsafeBufferPointer { lengths in
                Zoneout.splitGradient(
                    keep, time: t, batch: batch, hidden: hidden, rows: 0..<batch, units: 0..<hidden,
                    lengths: lengths.baseAddress!, stateGradient: workspace.stateGradient.pointer, carry: carry)
            }
            cellStateGradient = UnsafePointer(workspace.stateGradient.pointer)
        }
        // Under recurrent dropout the products' gradient, dL/d(h_t * mask), has a buffer of its own.
        if mask != nil { maskedGradient.update(repeating: 0, count: count) }
        let sharing = StepSharing(batch: batch, weights: weights)
        runShares(of: t, sharing: sharing, weights: weights) { rows, panels, lengths, first, row in
            cell.backward(
                RecurrentBackwardStep(
                    rows: rows.count, panels: panels, units: weights.units(of: panels), time: t, lengths: lengths,
                    stateGradient: cellStateGradient + first * hidden, previousState: states + row * hidden,
                    recurrentInput: recurrentInputs + row * hidden, gates: gates + row * width,
                    auxiliary: auxiliary + row * hidden, inputProjectionGradient: dInput + first * width,
                    previousStateGradient: dPrevious + first * hidden,
                    recurrentInputGradient: (mask == nil ? dPrevious : maskedGradient) + first * hidden,
                    scratch: scratch + first * hidden),
                weights: weights, barrier: sharing.barrier)
        }
        if let mask {
            for i in 0..<count { dPrevious[i] += maskedGradient[i] * mask[i] }
        }
        if keep != nil {
            lengths.withUnsafeBufferPointer { lengths in
                Zoneout.addCarry(
                    carry, time: t, hidden: hidden, rows: 0..<batch, units: 0..<hidden, lengths: lengths.baseAddress!,
                    into: dPrevious)
            }
        }
        // dx_t = dGx_t W_ih.
        Matmul.gemm(
            transposeA: false, transposeB: false, m: batch, n: inputSize, k: width, a: dInput, lda: width,
            b: w.inputWeight, ldb: inputSize, beta: 0, c: inputGradient, ldc: inputSize)
        return UnsafePointer(dPrevious)
    }

    /// Runs `body` for each part of step t's team run: the part's rows and panels, its rows'
    /// lengths, its first row, and that row's index in the (T*B)-row caches.
    private func runShares(
        of t: Int, sharing: StepSharing, weights: some PanelledRecurrentWeights,
        _ body: (_ rows: Range<Int>, _ panels: Range<Int>, _ lengths: UnsafePointer<Int>, _ first: Int, _ row: Int) ->
            Void
    ) {
        let batch = batch, panelCount = weights.panelCount
        lengths.withUnsafeBufferPointer { lengths in
            _ = ThreadTeam.run(parts: sharing.parts) { part, parts in
                let (rows, panels) = sharing.share(part: part, parts: parts, batch: batch, panelCount: panelCount)
                let first = rows.lowerBound
                body(rows, panels, lengths.baseAddress! + first, first, t * batch + first)
            }
        }
    }

    /// After the last backward step (t = 0): adds the weight and bias gradients of all T*B rows
    /// to the layer's `gradients` (its `layout.count` values).
    public func accumulateParameterGradients(into gradients: UnsafeMutablePointer<Float>) {
        guard let workspace else { preconditionFailure("accumulateParameterGradients before backward") }
        let rows = steps * batch
        let g = layer.views(layer: 0, direction: 0, of: gradients)
        let dInput = workspace.inputProjectionGradient.pointer  // (T*B, G*H)
        let dHidden = trace.gates.pointer  // (T*B, G*H) dL/d(hidden projection), by step
        // dW_ih += dGx^T X.
        Matmul.gemm(
            transposeA: true, transposeB: false, m: width, n: inputSize, k: rows, a: dInput, lda: width,
            b: inputs.pointer, ldb: inputSize, beta: 1, c: g.inputWeight, ldc: inputSize)
        let (cell, hidden, trace) = (layer.cell, hidden, trace)
        WeightDrop.accumulateGradient(into: g.recurrentWeight, mask: trace.weightDropMask) { recurrentGradient in
            cell.accumulateRecurrentWeightGradient(
                rows: rows, hidden: hidden, hiddenProjectionGradient: dHidden, recurrentInputs: trace.recurrentInputs,
                auxiliary: trace.auxiliary.pointer, into: recurrentGradient)
        }
        if let inputBias = g.inputBias, let recurrentBias = g.recurrentBias {
            Reductions.addColumnSums(rows: rows, width: width, stride: width, matrix: dInput, into: inputBias)
            Reductions.addColumnSums(rows: rows, width: width, stride: width, matrix: dHidden, into: recurrentBias)
        }
    }
}
