import GRUTensor

/// A stacked, optionally bidirectional gated recurrent unit layer over parameters that live in
/// someone else's flat buffer (a whole model's, or `GRU`'s own), with full backpropagation
/// through time.
///
/// The math is documented once, on `GRUVariant`. Legend for shapes: T sequence length,
/// B batch, I input size, H hidden size, L layers, D directions (2 when bidirectional).
///
/// Structure: per layer and direction, the input projections of all T steps are one GEMM;
/// the steps run on the packed recurrent kernels (the product with W_hh and the gates in one
/// pass, two for reset-before), shared across the cores by batch rows or hidden units
/// (`PackedRecurrence`), over buffers allocated once per call; recurrent dropout feeds them
/// the masked state. Backward walks the steps in reverse carrying dh on the same kernels, then
/// forms the weight gradients with one GEMM over all T*B rows.
public struct GRULayer: Sendable {
    /// Where each weight sits in the layer's slice of the buffer.
    public let layout: GRUParameterLayout

    /// The layer's sizes and variant.
    public var configuration: GRUConfiguration { layout.configuration }

    /// A layer with the given configuration.
    public init(_ configuration: GRUConfiguration) {
        layout = GRUParameterLayout(configuration)
    }

    // MARK: - Forward

    /// Runs the GRU over a batch of sequences.
    ///
    /// - Parameters:
    ///   - input: (T, B, I), or (B, T, I) for `.batchFirst`.
    ///   - initialState: (L*D, B, H), index layer * D + direction; zeros when nil.
    ///   - lengths: B valid lengths in 1...T (PyTorch packed-sequence semantics): outputs past
    ///     a sequence's end are zero, its final state is the state at its last valid step, and
    ///     the reverse direction starts at its own last valid step. All T when nil.
    ///   - layout: the layout of `input`, also used for the output.
    ///   - weights: the layer's `layout.count` parameters.
    ///   - dropout: training-time dropout; nil (or zero rates) for inference.
    /// - Returns: the output (T, B, D*H) (or batch-first), the final states (L*D, B, H), and
    ///   the trace that `backward` needs.
    /// - Throws: `GRUInputError` when a shape, length or value does not fit.
    public func forward(
        _ input: Tensor, initialState: Tensor? = nil, lengths: [Int]? = nil,
        layout sequenceLayout: SequenceLayout = .timeMajor,
        weights: UnsafeBufferPointer<Float>, dropout: GRUDropout? = nil
    ) throws -> GRUForwardResult {
        precondition(weights.count == layout.count, "GRU weights: \(weights.count) values, layout needs \(layout.count)")
        let config = configuration
        try validateInput(input, layout: sequenceLayout)
        let timeMajorInput = sequenceLayout == .batchFirst ? input.swappingFirstTwoAxes() : input
        let steps = timeMajorInput.shape[0], batch = timeMajorInput.shape[1]
        let hidden = config.hiddenSize, directions = config.directionCount
        let stateShape = [config.stateCount, batch, hidden]
        if let initialState {
            try expectShape(initialState, stateShape, name: "initial state")
            try expectFinite(initialState, name: "initial state")
        }
        let validLengths = try validatedLengths(lengths, steps: steps, batch: batch)
        var masks = DropoutMasks(dropout)

        let inputBuffer = ScratchBuffer(copying: timeMajorInput.scalars)
        // One workspace per direction that runs at the same time as another.
        let workspaces = (0..<(DirectionScheduling.runsConcurrently(directions: directions, batch: batch) ? 2 : 1))
            .map { _ in ForwardWorkspace(steps: steps, batch: batch, hidden: hidden) }
        var layerInputs = [inputBuffer]
        var betweenLayerMasks: [ScratchBuffer?] = [nil]
        var traces: [[GRUDirectionTrace]] = []
        var output = inputBuffer
        var finalState = [Float](repeating: 0, count: stateShape.reduce(1, *))

        validLengths.withUnsafeBufferPointer { lengthPointer in
            finalState.withUnsafeMutableBufferPointer { finalStatePointer in
                for layer in 0..<config.layerCount {
                    if layer > 0 {
                        // PyTorch's `dropout`: on every layer's output but the last.
                        let mask = masks.betweenLayers(count: output.count)
                        betweenLayerMasks.append(mask)
                        if let mask {
                            let dropped = ScratchBuffer(count: output.count)
                            for i in 0..<output.count { dropped.pointer[i] = output.pointer[i] * mask.pointer[i] }
                            layerInputs.append(dropped)
                        } else {
                            layerInputs.append(output)
                        }
                    }
                    // Every step writes every row's output (zeros past a row's length).
                    let layerOutput = ScratchBuffer(uninitializedCount: steps * batch * config.outputSize)
                    // The traces (and their random recurrent masks) in direction order, before
                    // the directions run, possibly at once.
                    let layerTraces = (0..<directions).map { direction in
                        let trace = GRUDirectionTrace(
                            steps: steps, batch: batch, hidden: hidden,
                            recurrentMask: masks.recurrent(count: batch * hidden))
                        if let initialState {
                            initialState.scalars.withUnsafeBufferPointer {
                                trace.states.pointer.update(
                                    from: $0.baseAddress! + (layer * directions + direction) * batch * hidden,
                                    count: batch * hidden)
                            }
                        }
                        return trace
                    }
                    let layerInput = layerInputs[layer]
                    DirectionScheduling.run(directions: directions, batch: batch) { direction in
                        let trace = layerTraces[direction]
                        runDirection(
                            layer: layer, direction: direction, steps: steps, batch: batch,
                            lengths: lengthPointer.baseAddress!, weights: weights.baseAddress!,
                            input: layerInput.pointer, trace: trace, output: layerOutput.pointer,
                            workspace: workspaces[min(direction, workspaces.count - 1)])
                        (finalStatePointer.baseAddress! + (layer * directions + direction) * batch * hidden)
                            .update(from: trace.states.pointer + steps * batch * hidden, count: batch * hidden)
                    }
                    traces.append(layerTraces)
                    output = layerOutput
                }
            }
        }

        var outputTensor = Tensor(shape: [steps, batch, config.outputSize], scalars: output.array())
        if sequenceLayout == .batchFirst { outputTensor = outputTensor.swappingFirstTwoAxes() }
        let trace = GRUTrace(
            layout: sequenceLayout, sequenceLength: steps, batchSize: batch, lengths: validLengths,
            layerInputs: layerInputs, betweenLayerMasks: betweenLayerMasks, directions: traces)
        return GRUForwardResult(
            output: outputTensor, finalState: Tensor(shape: stateShape, scalars: finalState), trace: trace)
    }

    /// One layer and direction over all steps, writing its H columns of the layer output.
    private func runDirection(
        layer: Int, direction: Int, steps: Int, batch: Int,
        lengths: UnsafePointer<Int>, weights: UnsafePointer<Float>,
        input: UnsafePointer<Float>, trace: GRUDirectionTrace, output: UnsafeMutablePointer<Float>,
        workspace: ForwardWorkspace
    ) {
        let config = configuration
        let hidden = config.hiddenSize, h3 = 3 * hidden
        let inputSize = config.inputSize(ofLayer: layer)
        let outputWidth = config.outputSize
        let w = views(layer: layer, direction: direction, weights: weights)
        let rows = steps * batch
        let inputProjection = workspace.inputProjection.pointer  // (T*B, 3H)

        // All steps' input projections at once, (T*B, I) x (I, 3H), without b_ih: the packed
        // steps add it.
        Matmul.gemm(
            transposeA: false, transposeB: true, m: rows, n: h3, k: inputSize,
            a: input, lda: inputSize, b: w.inputWeight, ldb: inputSize,
            beta: 0, c: inputProjection, ldc: h3)
        // The weights change between calls, so they are packed afresh: one pass over W_hh.
        PackedRecurrence.runTraining(
            variant: config.variant,
            weights: PackedRecurrentWeights(
                hidden: hidden, recurrentWeight: w.recurrentWeight, recurrentBias: w.recurrentBias,
                inputBias: w.inputBias),
            steps: steps, batch: batch, reverse: direction == 1, lengths: lengths,
            inputProjection: inputProjection, states: trace.states.pointer, gates: trace.gates.pointer,
            auxiliary: trace.auxiliary.pointer, output: output + direction * hidden, outputStride: outputWidth,
            recurrentMask: trace.recurrentMask.map { UnsafePointer($0.pointer) },
            maskedStates: trace.maskedStates?.pointer)
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
    ///   - weights: the weights `forward` used.
    ///   - gradients: the layer's `layout.count` parameter gradients, added to.
    /// - Throws: `GRUInputError` when a gradient's shape does not fit or it is not finite.
    public func backward(
        _ result: GRUForwardResult, outputGradient: Tensor, finalStateGradient: Tensor? = nil,
        weights: UnsafeBufferPointer<Float>, gradients: UnsafeMutableBufferPointer<Float>
    ) throws -> GRUStateGradients {
        precondition(weights.count == layout.count && gradients.count == layout.count,
                     "GRU weights or gradients do not match the layout's \(layout.count) values")
        let config = configuration
        let trace = result.trace
        let steps = trace.sequenceLength, batch = trace.batchSize
        let hidden = config.hiddenSize, directions = config.directionCount
        try expectShape(outputGradient, result.output.shape, name: "output gradient")
        try expectFinite(outputGradient, name: "output gradient")
        let stateShape = [config.stateCount, batch, hidden]
        if let finalStateGradient {
            try expectShape(finalStateGradient, stateShape, name: "final state gradient")
            try expectFinite(finalStateGradient, name: "final state gradient")
        }
        let timeMajorGradient =
            trace.layout == .batchFirst ? outputGradient.swappingFirstTwoAxes() : outputGradient
        // Backward overwrites the trace's gates with gradients, so it runs once per forward.
        precondition(trace.consume(), "GRU backward called twice on one forward result; run forward again")

        var initialStateGradient = [Float](repeating: 0, count: stateShape.reduce(1, *))
        let rows = steps * batch
        // One workspace per direction that runs at the same time as another.
        let workspaces = (0..<(DirectionScheduling.runsConcurrently(directions: directions, batch: batch) ? 2 : 1))
            .map { _ in BackwardWorkspace(steps: steps, batch: batch, hidden: hidden) }
        // dL/d(layer output), replaced layer by layer by dL/d(layer input). // (T, B, D*H)
        var upstream = ScratchBuffer(copying: timeMajorGradient.scalars)

        trace.lengths.withUnsafeBufferPointer { lengthBuffer in
            let lengths = lengthBuffer.baseAddress!
            for layer in stride(from: config.layerCount - 1, through: 0, by: -1) {
                let inputSize = config.inputSize(ofLayer: layer)
                // The first direction's product overwrites it, the second adds to it.
                let inputGradient = ScratchBuffer(uninitializedCount: rows * inputSize)  // (T, B, I_layer)
                let layerUpstream = upstream
                /// A direction's workspace: its own when the directions may run at once.
                func workspace(_ direction: Int) -> BackwardWorkspace { workspaces[min(direction, workspaces.count - 1)] }
                func sweep(_ direction: Int) {
                    let stateIndex = layer * directions + direction
                    let space = workspace(direction)
                    if let finalStateGradient {
                        finalStateGradient.scalars.withUnsafeBufferPointer {
                            space.stateGradient.pointer.update(
                                from: $0.baseAddress! + stateIndex * batch * hidden, count: batch * hidden)
                        }
                    } else {
                        space.stateGradient.zero()
                    }
                    space.biasGradientSums.zero()
                    sweepBackward(
                        direction: direction, steps: steps, batch: batch, lengths: lengths,
                        weights: views(layer: layer, direction: direction, weights: weights.baseAddress!),
                        trace: trace.directions[layer][direction], outputGradient: layerUpstream.pointer,
                        workspace: space)
                }
                func accumulate(_ direction: Int) {
                    let stateIndex = layer * directions + direction
                    let space = workspace(direction)
                    initialStateGradient.withUnsafeMutableBufferPointer {
                        ($0.baseAddress! + stateIndex * batch * hidden)
                            .update(from: space.stateGradient.pointer, count: batch * hidden)
                    }
                    accumulateParameterGradients(
                        rows: rows, inputSize: inputSize,
                        weights: views(layer: layer, direction: direction, weights: weights.baseAddress!),
                        gradients: mutableViews(layer: layer, direction: direction, gradients: gradients.baseAddress!),
                        layerInput: trace.layerInputs[layer].pointer, trace: trace.directions[layer][direction],
                        workspace: space, inputGradient: inputGradient.pointer, addsToInputGradient: direction > 0)
                }
                // With a workspace each, the sweeps run first (both directions at once), then
                // each direction's products over all T*B rows, one after the other (they share
                // the input gradient); with one workspace, each direction in turn.
                if workspaces.count == directions {
                    DirectionScheduling.run(directions: directions, batch: batch, sweep)
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
                upstream = inputGradient
            }
        }

        var inputGradient = Tensor(shape: [steps, batch, config.inputSize], scalars: upstream.array())
        if trace.layout == .batchFirst { inputGradient = inputGradient.swappingFirstTwoAxes() }
        return GRUStateGradients(
            input: inputGradient, initialState: Tensor(shape: stateShape, scalars: initialStateGradient))
    }

    /// Walks one direction's steps in reverse, filling the projection gradients by time (input)
    /// and by step (hidden), leaving dL/dh_0 in `workspace.stateGradient` and, with biases, the
    /// threads' column sums of both gradients in `workspace.biasGradientSums`.
    private func sweepBackward(
        direction: Int, steps: Int, batch: Int, lengths: UnsafePointer<Int>,
        weights w: WeightViews, trace: GRUDirectionTrace,
        outputGradient: UnsafePointer<Float>, workspace: BackwardWorkspace
    ) {
        let config = configuration
        let hidden = config.hiddenSize, outputWidth = config.outputSize
        /// dh += dL/d output at `time` on `rows` and `units`, for the rows still inside their
        /// sequence.
        func addOutputGradient(time: Int, to dh: UnsafeMutablePointer<Float>, rows: Range<Int>, units: Range<Int>) {
            for b in rows where time < lengths[b] {
                let source = outputGradient + (time * batch + b) * outputWidth + direction * hidden
                for j in units { dh[b * hidden + j] += source[j] }
            }
        }
        PackedRecurrence.sweepBackward(
            variant: config.variant,
            weights: PackedRecurrentGradientWeights(hidden: hidden, recurrentWeight: w.recurrentWeight),
            steps: steps, batch: batch, reverse: direction == 1, lengths: lengths,
            states: trace.states.pointer, gates: trace.gates.pointer, auxiliary: trace.auxiliary.pointer,
            inputProjectionGradient: workspace.inputProjectionGradient.pointer,
            stateGradient: workspace.stateGradient.pointer,
            previousStateGradient: workspace.previousStateGradient.pointer,
            resetStateGradient: workspace.resetStateGradient.pointer,
            recurrentMask: trace.recurrentMask.map { UnsafePointer($0.pointer) },
            maskedStates: trace.maskedStates.map { UnsafePointer($0.pointer) },
            recurrentInputGradient: trace.recurrentMask == nil ? nil : workspace.recurrentInputGradient.pointer,
            biasGradientSums: config.hasBias ? workspace.biasGradientSums.pointer : nil,
            addOutputGradient: { time, dh, rows, units in addOutputGradient(time: time, to: dh, rows: rows, units: units) })
    }

    /// Weight and input gradients of one direction, each one GEMM over all T*B rows, and the
    /// bias gradients from the sweep's column sums.
    private func accumulateParameterGradients(
        rows: Int, inputSize: Int, weights w: WeightViews, gradients g: GradientViews,
        layerInput: UnsafePointer<Float>, trace: GRUDirectionTrace,
        workspace: BackwardWorkspace, inputGradient: UnsafeMutablePointer<Float>, addsToInputGradient: Bool
    ) {
        let hidden = configuration.hiddenSize, h3 = 3 * hidden
        let dInput = workspace.inputProjectionGradient.pointer  // (T*B, 3H), by time
        let dHidden = trace.gates.pointer  // (T*B, 3H), by step: the sweep wrote it over the gates
        let recurrentInputs = trace.recurrentInputs  // (T*B, H), by step
        // dW_ih += dGx^T X.
        Matmul.gemm(
            transposeA: true, transposeB: false, m: h3, n: inputSize, k: rows,
            a: dInput, lda: h3, b: layerInput, ldb: inputSize,
            beta: 1, c: g.inputWeight, ldc: inputSize)
        // dW_hh += dGh^T h_prev; reset-before's candidate rows see r * h_prev instead.
        switch configuration.variant {
        case .resetAfter:
            Matmul.gemm(
                transposeA: true, transposeB: false, m: h3, n: hidden, k: rows,
                a: dHidden, lda: h3, b: recurrentInputs, ldb: hidden,
                beta: 1, c: g.recurrentWeight, ldc: hidden)
        case .resetBefore:
            Matmul.gemm(
                transposeA: true, transposeB: false, m: 2 * hidden, n: hidden, k: rows,
                a: dHidden, lda: h3, b: recurrentInputs, ldb: hidden,
                beta: 1, c: g.recurrentWeight, ldc: hidden)
            Matmul.gemm(
                transposeA: true, transposeB: false, m: hidden, n: hidden, k: rows,
                a: dHidden + 2 * hidden, lda: h3, b: trace.auxiliary.pointer, ldb: hidden,
                beta: 1, c: g.recurrentWeight + 2 * hidden * hidden, ldc: hidden)
        }
        if let inputBias = g.inputBias, let recurrentBias = g.recurrentBias {
            // The sweep summed the columns step by step, while they were in cache.
            PackedRecurrence.addBiasGradientSums(
                workspace.biasGradientSums.pointer, hidden: hidden, inputBias: inputBias, recurrentBias: recurrentBias)
        }
        // dX = dGx W_ih, summed over directions.
        Matmul.gemm(
            transposeA: false, transposeB: false, m: rows, n: inputSize, k: h3,
            a: dInput, lda: h3, b: w.inputWeight, ldb: inputSize,
            beta: addsToInputGradient ? 1 : 0, c: inputGradient, ldc: inputSize)
    }

    // MARK: - Parameter views

    private struct WeightViews {
        let inputWeight: UnsafePointer<Float>  // (3H, I_layer)
        let recurrentWeight: UnsafePointer<Float>  // (3H, H)
        let inputBias: UnsafePointer<Float>?  // (3H)
        let recurrentBias: UnsafePointer<Float>?  // (3H)
    }

    private struct GradientViews {
        let inputWeight: UnsafeMutablePointer<Float>
        let recurrentWeight: UnsafeMutablePointer<Float>
        let inputBias: UnsafeMutablePointer<Float>?
        let recurrentBias: UnsafeMutablePointer<Float>?
    }

    private func offsets(layer: Int, direction: Int) -> (Int, Int, Int?, Int?) {
        (layout.slot(.inputWeight, layer: layer, direction: direction)!.offset,
         layout.slot(.recurrentWeight, layer: layer, direction: direction)!.offset,
         layout.slot(.inputBias, layer: layer, direction: direction)?.offset,
         layout.slot(.recurrentBias, layer: layer, direction: direction)?.offset)
    }

    private func views(layer: Int, direction: Int, weights: UnsafePointer<Float>) -> WeightViews {
        let (wi, wh, bi, bh) = offsets(layer: layer, direction: direction)
        return WeightViews(
            inputWeight: weights + wi, recurrentWeight: weights + wh,
            inputBias: bi.map { weights + $0 }, recurrentBias: bh.map { weights + $0 })
    }

    private func mutableViews(
        layer: Int, direction: Int, gradients: UnsafeMutablePointer<Float>
    ) -> GradientViews {
        let (wi, wh, bi, bh) = offsets(layer: layer, direction: direction)
        return GradientViews(
            inputWeight: gradients + wi, recurrentWeight: gradients + wh,
            inputBias: bi.map { gradients + $0 }, recurrentBias: bh.map { gradients + $0 })
    }

    // MARK: - Validation

    private func validateInput(_ input: Tensor, layout: SequenceLayout) throws {
        let size = configuration.inputSize
        let expected = layout == .batchFirst ? "(B, T, \(size))" : "(T, B, \(size))"
        guard input.rank == 3, input.shape[2] == size else {
            throw GRUInputError("input has shape \(input.shape); expected \(expected) for input size \(size)")
        }
        guard input.shape[0] > 0, input.shape[1] > 0 else {
            throw GRUInputError("input has shape \(input.shape); expected \(expected) with T >= 1 and B >= 1")
        }
        try expectFinite(input, name: "input")
    }

    private func validatedLengths(_ lengths: [Int]?, steps: Int, batch: Int) throws -> [Int] {
        guard let lengths else { return Array(repeating: steps, count: batch) }
        guard lengths.count == batch else {
            throw GRUInputError("lengths has \(lengths.count) entries; expected one per sequence, \(batch)")
        }
        if let (index, bad) = lengths.enumerated().first(where: { !(1...steps).contains($0.element) }) {
            throw GRUInputError("lengths[\(index)] is \(bad); expected 1...\(steps) (the sequence length T)")
        }
        return lengths
    }
}

/// What `GRULayer.forward` returns.
public struct GRUForwardResult: Sendable {
    /// (T, B, D*H), or (B, T, D*H) for batch-first input; zero past each sequence's length.
    public let output: Tensor
    /// (L*D, B, H), index layer * D + direction.
    public let finalState: Tensor
    /// The caches for `backward`.
    public let trace: GRUTrace
}

/// The gradients `GRULayer.backward` returns; parameter gradients go into the caller's buffer.
public struct GRUStateGradients: Sendable {
    /// dL/d input, in the input's shape and layout.
    public let input: Tensor
    /// dL/d initial state, (L*D, B, H); also the gradient when no initial state was given.
    public let initialState: Tensor
}

// MARK: - Workspaces and helpers

/// Forward buffers sized once per call.
private struct ForwardWorkspace {
    let inputProjection: ScratchBuffer  // (T*B, 3H)

    init(steps: Int, batch: Int, hidden: Int) {
        // The input projection GEMM writes it in full (beta = 0).
        inputProjection = ScratchBuffer(uninitializedCount: steps * batch * 3 * hidden)
    }
}

/// Backward buffers sized once per call.
private struct BackwardWorkspace {
    let inputProjectionGradient: ScratchBuffer  // (T, B, 3H) by time
    let stateGradient: ScratchBuffer  // (B, H)
    let previousStateGradient: ScratchBuffer  // (B, H)
    let resetStateGradient: ScratchBuffer  // (B, H)
    let recurrentInputGradient: ScratchBuffer  // (B, H), d(h * mask) under recurrent dropout
    let biasGradientSums: ScratchBuffer  // (parts, 2, 3H), the sweep's column sums

    init(steps: Int, batch: Int, hidden: Int) {
        // Every step writes its rows in full, masked rows included.
        inputProjectionGradient = ScratchBuffer(uninitializedCount: steps * batch * 3 * hidden)
        stateGradient = ScratchBuffer(count: batch * hidden)
        previousStateGradient = ScratchBuffer(count: batch * hidden)
        resetStateGradient = ScratchBuffer(count: batch * hidden)
        recurrentInputGradient = ScratchBuffer(count: batch * hidden)
        biasGradientSums = ScratchBuffer(count: PackedRecurrence.biasGradientSumsCount(hidden: hidden))
    }
}

private func expectShape(_ tensor: Tensor, _ shape: [Int], name: String) throws {
    guard tensor.shape == shape else {
        throw GRUInputError("\(name) has shape \(tensor.shape); expected \(shape)")
    }
}

private func expectFinite(_ tensor: Tensor, name: String) throws {
    guard tensor.isFinite else {
        throw GRUInputError("\(name) contains NaN or infinite values; expected finite numbers")
    }
}
