import GRUTensor

/// A stacked, optionally bidirectional recurrent layer of any cell, over parameters that live
/// in someone else's flat buffer (a whole model's, or `GRU`'s own), with full backpropagation
/// through time. `GRULayer` is this layer with the GRU cell.
///
/// Legend for shapes: T sequence length, B batch, I input size, G gates, H hidden size,
/// L layers, D directions (2 when bidirectional).
///
/// Structure: per layer and direction, the input projections of all T steps are one GEMM; the
/// cell's steps run on its packed recurrent weights, shared across the cores by batch rows or
/// hidden units (`RecurrentSweep`), over buffers allocated once per call. Backward walks the
/// steps in reverse carrying dh on the same kernels, then forms the weight gradients with one
/// GEMM over all T*B rows.
public struct RecurrentLayer<Cell: RecurrentCell>: ParameterizedLayer {
    /// The stack's sizes and the cell's settings.
    public let configuration: Cell.Configuration
    /// The cell every layer and direction steps.
    public let cell: Cell
    /// Where each weight sits in the layer's slice of the buffer.
    public let layout: RecurrentParameterLayout
    /// The zoneout probability the layer was trained with, in [0, 1): inference (`forward`
    /// without dropout settings) applies its expectation, h_t = p h_{t-1} + (1 - p) h~_t; in
    /// training `GRUDropout.zoneout` draws the masks instead. 0 for none.
    public let zoneout: Float

    /// A layer with the given configuration and trained zoneout probability (see `zoneout`;
    /// `forward` checks it).
    public init(_ configuration: Cell.Configuration, zoneout: Float = 0) {
        self.init(configuration, cell: Cell(configuration), zoneout: zoneout)
    }

    /// A layer that steps `cell` rather than the configuration's own (tests force a cell's
    /// general path with it).
    package init(_ configuration: Cell.Configuration, cell: Cell, zoneout: Float = 0) {
        self.configuration = configuration
        self.zoneout = zoneout
        self.cell = cell
        layout = RecurrentParameterLayout(
            configuration, gateCount: Cell.gateCount,
            extraParameters: Cell.extraParameters(hiddenSize: configuration.hiddenSize))
    }

    /// The named tensors in buffer order, as PyTorch names them.
    public var parameterSlots: [LayerParameterSlot] { layout.slots }

    private var gateWidth: Int { Cell.gateCount * configuration.hiddenSize }

    // MARK: - Forward

    /// Runs the layer over a batch of sequences.
    ///
    /// - Parameters:
    ///   - input: (T, B, I), or (B, T, I) for `.batchFirst`.
    ///   - initialState: (L*D, B, H), index layer * D + direction; zeros when nil.
    ///   - initialCellState: (L*D, B, H) the initial cell state of a cell that carries one
    ///     (the LSTM's c_0), indexed likewise; zeros when nil. A cell without one takes nil.
    ///   - lengths: B valid lengths in 1...T (PyTorch packed-sequence semantics): outputs past
    ///     a sequence's end are zero, its final state is the state at its last valid step, and
    ///     the reverse direction starts at its own last valid step (the cell state likewise).
    ///     All T when nil.
    ///   - layout: the layout of `input`, also used for the output.
    ///   - weights: the layer's `layout.count` parameters.
    ///   - dropout: training-time dropout, zoneout and weight-drop; nil for inference, where
    ///     the layer's own `zoneout` gives zoneout's expectation.
    /// - Returns: the output (T, B, D*H) (or batch-first), the final states (L*D, B, H), the
    ///   final cell states (L*D, B, H) of a cell that carries them, and the trace that
    ///   `backward` needs.
    /// - Throws: `GRUInputError` when a shape, length or value does not fit.
    public func forward(
        _ input: Tensor, initialState: Tensor? = nil, initialCellState: Tensor? = nil, lengths: [Int]? = nil,
        layout sequenceLayout: SequenceLayout = .timeMajor,
        weights: UnsafeBufferPointer<Float>, dropout: GRUDropout? = nil
    ) throws -> RecurrentForwardResult {
        precondition(
            weights.count == layout.count, "recurrent weights: \(weights.count) values, layout needs \(layout.count)")
        let config = configuration
        try validateInput(input, layout: sequenceLayout)
        let timeMajorInput = sequenceLayout == .batchFirst ? input.swappingFirstTwoAxes() : input
        let steps = timeMajorInput.shape[0], batch = timeMajorInput.shape[1]
        let stateShape = [config.stateCount, batch, config.hiddenSize]
        if let initialState {
            try expectShape(initialState, stateShape, name: "initial state")
            try expectFinite(initialState, name: "initial state")
        }
        if let initialCellState {
            try expectCellState(initialCellState, stateShape, name: "initial cell state")
        }
        let validLengths = try InputChecks.validatedLengths(lengths, steps: steps, batch: batch)
        try Self.validateRegularizers(zoneout: zoneout, dropout: dropout)
        let pass = ForwardPass(
            steps: steps, batch: batch, lengths: validLengths, initialState: initialState?.scalars,
            initialCellState: initialCellState?.scalars,
            workspaces: workspaceCount(batch: batch),
            projectionCount: steps * batch * gateWidth)
        var masks = DropoutMasks(dropout)

        var layerInputs = [ScratchBuffer(copying: timeMajorInput.scalars)]
        var betweenLayerMasks: [ScratchBuffer?] = [nil]
        var traces: [[RecurrentDirectionTrace]] = []
        var finalState = [Float](repeating: 0, count: stateShape.reduce(1, *))
        var finalCellState = [Float](repeating: 0, count: Cell.carriesCellState ? stateShape.reduce(1, *) : 0)
        for layer in 0..<config.layerCount {
            if layer > 0 {
                // PyTorch's `dropout`: on every layer's output but the last.
                let (input, mask) = droppedOut(
                    layerInputs[layer],
                    mask: masks.betweenLayers(
                        steps: steps, batch: batch, width: layerInputs[layer].count / max(steps * batch, 1)))
                layerInputs[layer] = input
                betweenLayerMasks.append(mask)
            }
            // The traces (and their random recurrent masks) in direction order, before the
            // directions run, possibly at once.
            let layerTraces = (0..<config.directionCount).map { _ in
                RecurrentDirectionTrace(
                    steps: steps, batch: batch, hidden: config.hiddenSize, gates: Cell.gateCount,
                    recurrentMask: masks.recurrent(batch: batch, hidden: config.hiddenSize),
                    zoneoutMask: masks.zoneout(steps: steps, batch: batch, hidden: config.hiddenSize),
                    zoneoutExpectation: dropout == nil ? zoneout : 0,
                    weightDropMask: masks.weightDrop(count: gateWidth * config.hiddenSize),
                    carriesCellState: Cell.carriesCellState,
                    inputProjectionCacheWidth: Cell.inputProjectionCacheWidth(hidden: config.hiddenSize),
                    stepCacheWidth: Cell.stepCacheWidth(hidden: config.hiddenSize))
            }
            let output = forwardLayer(
                layer, input: layerInputs[layer], traces: layerTraces, pass: pass, weights: weights)
            finalState.withUnsafeMutableBufferPointer { finalStates in
                for (direction, trace) in layerTraces.enumerated() {
                    let count = batch * config.hiddenSize
                    (finalStates.baseAddress! + (layer * config.directionCount + direction) * count)
                        .update(from: trace.states.pointer + steps * count, count: count)
                }
            }
            finalCellState.withUnsafeMutableBufferPointer { finalCellStates in
                for (direction, trace) in layerTraces.enumerated() {
                    guard let cellStates = trace.cellStates else { continue }
                    let count = batch * config.hiddenSize
                    (finalCellStates.baseAddress! + (layer * config.directionCount + direction) * count)
                        .update(from: cellStates.pointer + steps * count, count: count)
                }
            }
            traces.append(layerTraces)
            layerInputs.append(output)
        }

        let output = layerInputs.removeLast()
        var outputTensor = Tensor(shape: [steps, batch, config.outputSize], scalars: output.array())
        if sequenceLayout == .batchFirst { outputTensor = outputTensor.swappingFirstTwoAxes() }
        let trace = RecurrentTrace(
            layout: sequenceLayout, sequenceLength: steps, batchSize: batch, lengths: validLengths,
            layerInputs: layerInputs, betweenLayerMasks: betweenLayerMasks, directions: traces)
        return RecurrentForwardResult(
            output: outputTensor, finalState: Tensor(shape: stateShape, scalars: finalState),
            finalCellState: Cell.carriesCellState ? Tensor(shape: stateShape, scalars: finalCellState) : nil,
            trace: trace)
    }

    /// One layer's directions, possibly at once; returns the layer's output (T, B, D*H).
    private func forwardLayer(
        _ layer: Int, input: ScratchBuffer, traces: [RecurrentDirectionTrace], pass: ForwardPass,
        weights: UnsafeBufferPointer<Float>
    ) -> ScratchBuffer {
        let config = configuration
        let count = pass.batch * config.hiddenSize
        // Every step writes every row's output (zeros past a row's length).
        let output = ScratchBuffer(uninitializedCount: pass.steps * pass.batch * config.outputSize)
        pass.lengths.withUnsafeBufferPointer { lengths in
            DirectionScheduling.run(directions: config.directionCount, batch: pass.batch) { direction in
                let trace = traces[direction]
                if let initialState = pass.initialState {
                    initialState.withUnsafeBufferPointer {
                        trace.states.pointer.update(
                            from: $0.baseAddress! + (layer * config.directionCount + direction) * count, count: count)
                    }
                }
                if let initialCellState = pass.initialCellState, let cellStates = trace.cellStates {
                    initialCellState.withUnsafeBufferPointer {
                        cellStates.pointer.update(
                            from: $0.baseAddress! + (layer * config.directionCount + direction) * count, count: count)
                    }
                }
                forwardDirection(
                    layer: layer, direction: direction, pass: pass, lengths: lengths.baseAddress!,
                    weights: weights.baseAddress!, input: input.pointer, trace: trace, output: output.pointer,
                    inputProjection: pass.inputProjections[min(direction, pass.inputProjections.count - 1)].pointer)
            }
        }
        return output
    }

    /// One layer and direction over all steps, writing its H columns of the layer output.
    private func forwardDirection(
        layer: Int, direction: Int, pass: ForwardPass, lengths: UnsafePointer<Int>, weights: UnsafePointer<Float>,
        input: UnsafePointer<Float>, trace: RecurrentDirectionTrace, output: UnsafeMutablePointer<Float>,
        inputProjection: UnsafeMutablePointer<Float>  // (T*B, G*H)
    ) {
        let hidden = configuration.hiddenSize, inputSize = configuration.inputSize(ofLayer: layer)
        let w = views(layer: layer, direction: direction, of: weights)
        // All steps' input projections at once, (T*B, I) x (I, G*H), without b_ih: the packed
        // steps add it.
        Matmul.gemm(
            transposeA: false, transposeB: true, m: pass.steps * pass.batch, n: gateWidth, k: inputSize,
            a: input, lda: inputSize, b: w.inputWeight, ldb: inputSize, beta: 0, c: inputProjection, ldc: gateWidth)
        cell.finishInputProjection(
            rows: pass.steps * pass.batch, hidden: hidden, projection: inputProjection, extraParameters: w.extra,
            cache: trace.inputProjectionCache?.pointer)
        // The weights change between calls, so they are packed afresh: one pass over W_hh.
        let recurrentWeight = WeightDrop.masked(w.recurrentWeight, by: trace.weightDropMask)
        let packed = cell.packStepWeights(
            hidden: hidden, recurrentWeight: recurrentWeight.pointer, recurrentBias: w.recurrentBias,
            inputBias: w.inputBias, extraParameters: w.extra)
        RecurrentSweep.forward(
            cell: cell, weights: packed, steps: pass.steps, batch: pass.batch, reverse: direction == 1,
            lengths: lengths, inputProjection: inputProjection, trace: trace, output: output + direction * hidden,
            outputStride: configuration.outputSize)
    }

    /// `input` times a between-layer dropout mask, or `input` itself without one.
    private func droppedOut(_ input: ScratchBuffer, mask: ScratchBuffer?) -> (ScratchBuffer, ScratchBuffer?) {
        guard let mask else { return (input, nil) }
        let dropped = ScratchBuffer(count: input.count)
        for i in 0..<input.count { dropped.pointer[i] = input.pointer[i] * mask.pointer[i] }
        return (dropped, mask)
    }

    /// One workspace per direction that runs at the same time as another.
    private func workspaceCount(batch: Int) -> Int {
        DirectionScheduling.runsConcurrently(directions: configuration.directionCount, batch: batch) ? 2 : 1
    }

    // MARK: - Backward

    /// Backpropagation through time: gradients of the input and the initial state, with the
    /// parameter gradients accumulated into `gradients`.
    ///
    /// It consumes the trace (its gate caches become gradient buffers): call it at most once
    /// per `forward`, as PyTorch frees a graph after its backward.
    ///
    /// - Parameters:
    ///   - result: what `forward` returned.
    ///   - outputGradient: dL/d output, the output's shape and layout.
    ///   - finalStateGradient: dL/d final state, (L*D, B, H); zeros when nil.
    ///   - finalCellStateGradient: dL/d final cell state, (L*D, B, H), for a cell that carries
    ///     one; zeros when nil.
    ///   - weights: the weights `forward` used.
    ///   - gradients: the layer's `layout.count` parameter gradients, added to.
    /// - Throws: `GRUInputError` when a gradient's shape does not fit or it is not finite.
    public func backward(
        _ result: RecurrentForwardResult, outputGradient: Tensor, finalStateGradient: Tensor? = nil,
        finalCellStateGradient: Tensor? = nil, weights: UnsafeBufferPointer<Float>,
        gradients: UnsafeMutableBufferPointer<Float>
    ) throws -> RecurrentStateGradients {
        precondition(
            weights.count == layout.count && gradients.count == layout.count,
            "recurrent weights or gradients do not match the layout's \(layout.count) values")
        let config = configuration
        let trace = result.trace
        let steps = trace.sequenceLength, batch = trace.batchSize
        try expectShape(outputGradient, result.output.shape, name: "output gradient")
        try expectFinite(outputGradient, name: "output gradient")
        let stateShape = [config.stateCount, batch, config.hiddenSize]
        if let finalStateGradient {
            try expectShape(finalStateGradient, stateShape, name: "final state gradient")
            try expectFinite(finalStateGradient, name: "final state gradient")
        }
        if let finalCellStateGradient {
            try expectCellState(finalCellStateGradient, stateShape, name: "final cell state gradient")
        }
        let timeMajorGradient =
            trace.layout == .batchFirst ? outputGradient.swappingFirstTwoAxes() : outputGradient
        // Backward overwrites the trace's gates with gradients, so it runs once per forward.
        precondition(trace.consume(), "recurrent backward called twice on one forward result; run forward again")

        let workspaces = (0..<workspaceCount(batch: batch)).map { _ in
            RecurrentBackwardWorkspace(
                steps: steps, batch: batch, hidden: config.hiddenSize, gates: Cell.gateCount,
                carriesCellState: Cell.carriesCellState)
        }
        var initialStateGradient = [Float](repeating: 0, count: stateShape.reduce(1, *))
        var initialCellStateGradient = [Float](repeating: 0, count: Cell.carriesCellState ? stateShape.reduce(1, *) : 0)
        // dL/d(layer output), replaced layer by layer by dL/d(layer input). // (T, B, D*H)
        var upstream = ScratchBuffer(copying: timeMajorGradient.scalars)
        let stateGradients = RecurrentFinalStateGradients(
            state: finalStateGradient?.scalars, cellState: finalCellStateGradient?.scalars)
        initialStateGradient.withUnsafeMutableBufferPointer { initialStateGradient in
            initialCellStateGradient.withUnsafeMutableBufferPointer { initialCellStateGradient in
                for layer in stride(from: config.layerCount - 1, through: 0, by: -1) {
                    upstream = backwardLayer(
                        layer, upstream: upstream, trace: trace, finalStateGradients: stateGradients,
                        workspaces: workspaces, weights: weights.baseAddress!, gradients: gradients.baseAddress!,
                        initialStateGradient: initialStateGradient.baseAddress!,
                        initialCellStateGradient: initialCellStateGradient.baseAddress)
                }
            }
        }

        var inputGradient = Tensor(shape: [steps, batch, config.inputSize], scalars: upstream.array())
        if trace.layout == .batchFirst { inputGradient = inputGradient.swappingFirstTwoAxes() }
        return RecurrentStateGradients(
            input: inputGradient, initialState: Tensor(shape: stateShape, scalars: initialStateGradient),
            initialCellState: Cell.carriesCellState
                ? Tensor(shape: stateShape, scalars: initialCellStateGradient) : nil)
    }

    /// One layer's backward: its directions' sweeps and gradients, and dL/d(layer input).
    ///
    /// With a workspace each, the sweeps run first (both directions at once), then each
    /// direction's products over all T*B rows, one after the other (they share the input
    /// gradient); with one workspace, each direction in turn.
    private func backwardLayer(
        _ layer: Int, upstream: ScratchBuffer, trace: RecurrentTrace,
        finalStateGradients: RecurrentFinalStateGradients, workspaces: [RecurrentBackwardWorkspace],
        weights: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
        initialStateGradient: UnsafeMutablePointer<Float>, initialCellStateGradient: UnsafeMutablePointer<Float>?
    ) -> ScratchBuffer {
        let config = configuration, directions = config.directionCount
        let count = trace.batchSize * config.hiddenSize
        // The first direction's product overwrites it, the second adds to it.
        let inputGradient = ScratchBuffer(
            uninitializedCount: trace.sequenceLength * trace.batchSize * config.inputSize(ofLayer: layer))
        let workspace = { (direction: Int) in workspaces[min(direction, workspaces.count - 1)] }
        let sweep = { (direction: Int) in
            sweepDirection(
                layer: layer, direction: direction, upstream: upstream, trace: trace,
                finalStateGradients: finalStateGradients, workspace: workspace(direction), weights: weights)
        }
        let accumulate = { (direction: Int) in
            (initialStateGradient + (layer * directions + direction) * count)
                .update(from: workspace(direction).stateGradient.pointer, count: count)
            if let initialCellStateGradient, let cellStateGradient = workspace(direction).cellStateGradient {
                (initialCellStateGradient + (layer * directions + direction) * count)
                    .update(from: cellStateGradient.pointer, count: count)
            }
            accumulateParameterGradients(
                layer: layer, direction: direction, rows: trace.sequenceLength * trace.batchSize,
                weights: weights, gradients: gradients, layerInput: trace.layerInputs[layer].pointer,
                trace: trace.directions[layer][direction], workspace: workspace(direction),
                inputGradient: inputGradient.pointer, addsToInputGradient: direction > 0)
        }
        if workspaces.count == directions {
            DirectionScheduling.run(directions: directions, batch: trace.batchSize, sweep)
            for direction in 0..<directions { accumulate(direction) }
        } else {
            for direction in 0..<directions {
                sweep(direction)
                accumulate(direction)
            }
        }
        if let mask = trace.betweenLayerMasks[layer] {
            for i in 0..<inputGradient.count { inputGradient.pointer[i] *= mask.pointer[i] }
        }
        return inputGradient
    }

    /// One direction's steps in reverse from dL/dh_T (the final state gradient, or zeros) and
    /// dL/dc_T likewise, leaving dL/dh_0, dL/dc_0 and the projection gradients in `workspace`.
    private func sweepDirection(
        layer: Int, direction: Int, upstream: ScratchBuffer, trace: RecurrentTrace,
        finalStateGradients: RecurrentFinalStateGradients, workspace: RecurrentBackwardWorkspace,
        weights: UnsafePointer<Float>
    ) {
        let config = configuration
        let count = trace.batchSize * config.hiddenSize
        let index = layer * config.directionCount + direction
        finalStateGradients.load(finalStateGradients.state, index: index, count: count, into: workspace.stateGradient)
        if let cellStateGradient = workspace.cellStateGradient {
            finalStateGradients.load(finalStateGradients.cellState, index: index, count: count, into: cellStateGradient)
        }
        workspace.biasGradientSums.zero()
        let w = views(layer: layer, direction: direction, of: weights)
        let recurrentWeight = WeightDrop.masked(
            w.recurrentWeight, by: trace.directions[layer][direction].weightDropMask)
        trace.lengths.withUnsafeBufferPointer { lengths in
            RecurrentSweep.backward(
                cell: cell,
                weights: cell.packGradientWeights(
                    hidden: config.hiddenSize, recurrentWeight: recurrentWeight.pointer, extraParameters: w.extra),
                steps: trace.sequenceLength, batch: trace.batchSize, reverse: direction == 1,
                lengths: lengths.baseAddress!, trace: trace.directions[layer][direction],
                outputGradient: upstream.pointer + direction * config.hiddenSize, outputStride: config.outputSize,
                workspace: workspace, sumsBiasGradients: config.hasBias)
        }
    }

    /// Weight and input gradients of one direction, each one GEMM over all T*B rows, and the
    /// bias gradients from the sweep's column sums.
    private func accumulateParameterGradients(
        layer: Int, direction: Int, rows: Int, weights: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
        layerInput: UnsafePointer<Float>, trace: RecurrentDirectionTrace, workspace: RecurrentBackwardWorkspace,
        inputGradient: UnsafeMutablePointer<Float>, addsToInputGradient: Bool
    ) {
        let inputSize = configuration.inputSize(ofLayer: layer)
        let w = views(layer: layer, direction: direction, of: weights)
        let g = views(layer: layer, direction: direction, of: gradients)
        let dInput = workspace.inputProjectionGradient.pointer  // (T*B, G*H), by time
        // The weights the steps ran on: W_hh * mask under weight-drop.
        let recurrentWeight = WeightDrop.masked(w.recurrentWeight, by: trace.weightDropMask)
        cell.finishProjectionGradients(
            RecurrentProjectionGradients(
                rows: rows, hidden: configuration.hiddenSize, inputSize: inputSize, layerInput: layerInput,
                inputWeight: w.inputWeight, recurrentWeight: recurrentWeight.pointer,
                recurrentInputs: trace.recurrentInputs,
                inputProjectionGradient: dInput, hiddenProjectionGradient: trace.gates.pointer,
                extraParameters: w.extra, extraParameterGradients: g.extra,
                inputProjectionCache: trace.inputProjectionCache.map { UnsafePointer($0.pointer) },
                stepCache: trace.stepCache.map { UnsafePointer($0.pointer) }))
        // dW_ih += dGx^T X.
        Matmul.gemm(
            transposeA: true, transposeB: false, m: gateWidth, n: inputSize, k: rows,
            a: dInput, lda: gateWidth, b: layerInput, ldb: inputSize, beta: 1, c: g.inputWeight, ldc: inputSize)
        // The sweep wrote dL/d(hidden projection) over the gates, by step.
        WeightDrop.accumulateGradient(into: g.recurrentWeight, mask: trace.weightDropMask) { gradient in
            cell.accumulateRecurrentWeightGradient(
                rows: rows, hidden: configuration.hiddenSize, hiddenProjectionGradient: trace.gates.pointer,
                recurrentInputs: trace.recurrentInputs, auxiliary: trace.auxiliary.pointer, into: gradient)
        }
        if let inputBias = g.inputBias, let recurrentBias = g.recurrentBias {
            // The sweep summed the columns step by step, while they were in cache.
            RecurrentSweep.addBiasGradientSums(
                workspace.biasGradientSums.pointer, width: gateWidth, inputBias: inputBias, recurrentBias: recurrentBias
            )
        }
        // dX = dGx W_ih, summed over directions.
        Matmul.gemm(
            transposeA: false, transposeB: false, m: rows, n: inputSize, k: gateWidth,
            a: dInput, lda: gateWidth, b: w.inputWeight, ldb: inputSize,
            beta: addsToInputGradient ? 1 : 0, c: inputGradient, ldc: inputSize)
    }

    // MARK: - Parameter views

    /// One layer and direction's tensors in a buffer of the layout: weights or gradients.
    struct Views<Pointer> {
        let inputWeight: Pointer  // (G*H, I_layer)
        let recurrentWeight: Pointer  // (G*H, H)
        let inputBias: Pointer?  // (G*H)
        let recurrentBias: Pointer?  // (G*H)
        let extra: Pointer?  // the cell's extra tensors, contiguous, or nil
    }

    func views<Pointer: Strideable>(layer: Int, direction: Int, of base: Pointer) -> Views<Pointer>
    where Pointer.Stride == Int {
        func at(_ role: RecurrentParameterRole) -> Pointer? {
            layout.slot(role, layer: layer, direction: direction).map { base.advanced(by: $0.offset) }
        }
        return Views(
            inputWeight: at(.inputWeight)!, recurrentWeight: at(.recurrentWeight)!,
            inputBias: at(.inputBias), recurrentBias: at(.recurrentBias),
            extra: layout.extraParameters.first.flatMap {
                layout.slot(extra: $0.nameStem, layer: layer, direction: direction)
            }.map { base.advanced(by: $0.offset) })
    }

    // MARK: - Validation

    /// Zoneout and weight-drop probabilities in [0, 1).
    private static func validateRegularizers(zoneout: Float, dropout: GRUDropout?) throws {
        let rates = [
            ("zoneout", zoneout), ("dropout zoneout", dropout?.zoneout ?? 0), ("weight-drop", dropout?.weightDrop ?? 0),
        ]
        for (name, rate) in rates where !(0..<1).contains(rate) {
            throw GRUInputError(.setting(name), found: "\(rate)", expected: "a probability in [0, 1)")
        }
    }

    /// Checks a cell-state tensor (or its gradient): only a cell that carries one takes it.
    private func expectCellState(_ tensor: Tensor, _ shape: [Int], name: String) throws {
        guard Cell.carriesCellState else {
            throw GRUInputError(
                .tensor(name), found: "shape \(tensor.shape)", expected: "none: this cell carries no cell state")
        }
        try expectShape(tensor, shape, name: name)
        try expectFinite(tensor, name: name)
    }

    private func validateInput(_ input: Tensor, layout: SequenceLayout) throws {
        let size = configuration.inputSize
        let expected = layout == .batchFirst ? "(B, T, \(size))" : "(T, B, \(size))"
        guard input.rank == 3, input.shape[2] == size else {
            throw GRUInputError(
                .tensor("input"), found: "shape \(input.shape)", expected: "\(expected) for input size \(size)")
        }
        guard input.shape[0] > 0, input.shape[1] > 0 else {
            throw GRUInputError(
                .tensor("input"), found: "shape \(input.shape)", expected: "\(expected) with T >= 1 and B >= 1")
        }
        try expectFinite(input, name: "input")
    }
}

/// What `RecurrentLayer.forward` returns.
public struct RecurrentForwardResult: Sendable {
    /// (T, B, D*H), or (B, T, D*H) for batch-first input; zero past each sequence's length.
    public let output: Tensor
    /// (L*D, B, H), index layer * D + direction.
    public let finalState: Tensor
    /// (L*D, B, H) the final cell states of a cell that carries them (the LSTM's c_n), indexed
    /// likewise; nil for other cells.
    public let finalCellState: Tensor?
    /// The caches for `backward`.
    public let trace: RecurrentTrace
}

/// The gradients `RecurrentLayer.backward` returns; parameter gradients go into the caller's buffer.
public struct RecurrentStateGradients: Sendable {
    /// dL/d input, in the input's shape and layout.
    public let input: Tensor
    /// dL/d initial state, (L*D, B, H); also the gradient when no initial state was given.
    public let initialState: Tensor
    /// dL/d initial cell state, (L*D, B, H), for a cell that carries one; nil for other cells.
    public let initialCellState: Tensor?
}

/// dL/d final state and dL/d final cell state of a backward call, (L*D, B, H) each or nil.
private struct RecurrentFinalStateGradients {
    let state: [Float]?
    let cellState: [Float]?

    /// Copies state `index` of `gradient` into `buffer`, or zeros it when there is none.
    func load(_ gradient: [Float]?, index: Int, count: Int, into buffer: ScratchBuffer) {
        guard let gradient else { return buffer.zero() }
        gradient.withUnsafeBufferPointer {
            buffer.pointer.update(from: $0.baseAddress! + index * count, count: count)
        }
    }
}

/// The settings and buffers of one forward call, shared by its layers.
private struct ForwardPass {
    let steps: Int, batch: Int
    let lengths: [Int]
    let initialState: [Float]?  // (L*D, B, H)
    let initialCellState: [Float]?  // (L*D, B, H)
    /// One (T*B, G*H) input projection buffer per direction that runs at the same time as
    /// another; the projection GEMM writes it in full (beta = 0).
    let inputProjections: [ScratchBuffer]

    init(
        steps: Int, batch: Int, lengths: [Int], initialState: [Float]?, initialCellState: [Float]?, workspaces: Int,
        projectionCount: Int
    ) {
        self.steps = steps
        self.batch = batch
        self.lengths = lengths
        self.initialState = initialState
        self.initialCellState = initialCellState
        inputProjections = (0..<workspaces).map { _ in ScratchBuffer(uninitializedCount: projectionCount) }
    }
}

private func expectShape(_ tensor: Tensor, _ shape: [Int], name: String) throws {
    guard tensor.shape == shape else {
        throw GRUInputError(.tensor(name), found: "shape \(tensor.shape)", expected: "\(shape)")
    }
}

private func expectFinite(_ tensor: Tensor, name: String) throws {
    guard tensor.isFinite else { throw InputChecks.nonFinite(name) }
}
