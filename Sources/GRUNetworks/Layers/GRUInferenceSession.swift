import Foundation
import GRUTensor

/// Inference-only GRU forward passes that keep no trace for backward and reuse their buffers
/// from call to call, for serving and streaming.
///
/// In float32, the same results as `GRULayer.forward` (both call the same gate kernels); a GRU
/// with other activations than tanh and sigmoid runs through `GRULayer.forward` itself,
/// allocating per call. In bf16 or int8 (`InferencePrecision`), the weights are rounded or
/// quantized once, when the session is made, and the steps are `QuantizedGRUSweep`'s. Not
/// thread-safe: one session per thread. Legend: T steps, B batch, I input size, H hidden size,
/// D directions.
public final class GRUInferenceSession {
    /// The layer's sizes and variant.
    public var configuration: GRUConfiguration { parameters.configuration }

    private let parameters: GRUParameters
    private var buffers = Buffers(steps: 0, batch: 0, configuration: nil)
    /// Per layer and direction, W_ih packed in the recurrent panels, for steps shared by
    /// hidden units (one sequence, small batches, streaming); made at the first such call.
    private var inputWeights: [PackedInputWeights] = []
    /// Single steps so far: each walks the panels in the order opposite to the one before
    /// (see `GRUInferenceSweep.streamingStep`).
    private var streamingSteps = 0
    /// Per layer and direction, W_hh, b_hh and b_ih packed for the fused recurrent steps.
    private let packedRecurrentWeights: [PackedRecurrentWeights]
    /// Per layer and direction, the weights at `precision` when it is not float32.
    private let quantizedWeights: [QuantizedGRUWeights]

    /// The precision of the weights the session's steps read.
    public let precision: InferencePrecision

    /// Bytes of the weights the steps read, every layer and direction (float32: W_ih and
    /// W_hh as floats; the biases, float32 in every precision, not counted).
    public var weightBytes: Int {
        guard precision == .float32 else { return quantizedWeights.reduce(0) { $0 + $1.weightBytes } }
        let config = configuration
        return (0..<config.layerCount).reduce(0) { sum, layer in
            sum + config.directionCount * 3 * config.hiddenSize
                * (config.inputSize(ofLayer: layer) + config.hiddenSize) * 4
        }
    }

    /// A session over a copy of the GRU's parameters, its weights at `precision`.
    ///
    /// - Parameter int8Weights: at int8, weights already quantized (a quantized model file's),
    ///   by tensor name (`weight_ih_l0`, `weight_hh_l1_reverse`), used as they are; the others
    ///   are quantized from the GRU's floats.
    public init(_ gru: GRU, precision: InferencePrecision = .float32, int8Weights: [String: Int8Rows] = [:]) {
        parameters = gru.parameters
        self.precision = precision
        let hidden = gru.configuration.hiddenSize
        let parameters = gru.parameters
        quantizedWeights =
            precision == .float32
            ? []
            : parameters.values.withUnsafeBufferPointer { values in
                Self.layersAndDirections(of: parameters.configuration).map { layer, direction in
                    func at(_ role: RecurrentParameterRole) -> UnsafePointer<Float>? {
                        parameters.slot(role, layer: layer, direction: direction).map {
                            values.baseAddress! + $0.offset
                        }
                    }
                    func panels(_ weight: RecurrentParameterRole, _ bias: RecurrentParameterRole, inner: Int)
                        -> QuantizedPanels
                    {
                        let name = RecurrentParameterLayout.name(of: weight, layer: layer, direction: direction)
                        if precision == .int8, let rows = int8Weights[name] {
                            return QuantizedPanels(int8: rows, innerSize: inner, hidden: hidden, bias: at(bias))
                        }
                        return QuantizedPanels(
                            precision: precision, innerSize: inner, hidden: hidden, weights: at(weight)!,
                            bias: at(bias))
                    }
                    return QuantizedGRUWeights(
                        input: panels(
                            .inputWeight, .inputBias, inner: parameters.configuration.inputSize(ofLayer: layer)),
                        recurrent: panels(.recurrentWeight, .recurrentBias, inner: hidden))
                }
            }
        packedRecurrentWeights = parameters.values.withUnsafeBufferPointer { values in
            Self.layersAndDirections(of: parameters.configuration).map { layer, direction in
                func at(_ role: RecurrentParameterRole) -> UnsafePointer<Float>? {
                    parameters.slot(role, layer: layer, direction: direction).map { values.baseAddress! + $0.offset }
                }
                return PackedRecurrentWeights(
                    hidden: hidden, recurrentWeight: at(.recurrentWeight)!, recurrentBias: at(.recurrentBias),
                    inputBias: at(.inputBias))
            }
        }
    }

    /// Every layer's and direction's W_ih, packed in the recurrent panels.
    private func packInputWeights() -> [PackedInputWeights] {
        let config = configuration
        return parameters.values.withUnsafeBufferPointer { values in
            Self.layersAndDirections(of: config).map { layer, direction in
                PackedInputWeights(
                    inputSize: config.inputSize(ofLayer: layer), hidden: config.hiddenSize,
                    inputWeight: values.baseAddress!
                        + parameters.slot(.inputWeight, layer: layer, direction: direction)!.offset)
            }
        }
    }

    /// Every (layer, direction) in buffer order, the order of the packed weights.
    private static func layersAndDirections(of configuration: GRUConfiguration) -> [(layer: Int, direction: Int)] {
        (0..<configuration.layerCount).flatMap { layer in
            (0..<configuration.directionCount).map { (layer, $0) }
        }
    }

    /// Runs the GRU over a batch of sequences; see `GRULayer.forward` for shapes and semantics.
    ///
    /// For streaming, call with T = 1 and the previous call's final state as the initial state.
    public func run(
        _ input: Tensor, initialState: Tensor? = nil, lengths: [Int]? = nil,
        layout: SequenceLayout = .timeMajor
    ) throws -> (output: Tensor, finalState: Tensor) {
        let config = configuration
        guard config.hasDefaultActivations else {
            try checkLowPrecisionActivations()
            let result = try GRU(parameters: parameters).forward(
                input, initialState: initialState, lengths: lengths, layout: layout)
            return (result.output, result.finalState)
        }
        let size = config.inputSize
        guard input.rank == 3, input.shape[2] == size, input.shape[0] > 0, input.shape[1] > 0 else {
            let expected = layout == .batchFirst ? "(B, T, \(size))" : "(T, B, \(size))"
            throw GRUInputError(.tensor("input"), found: "shape \(input.shape)", expected: "\(expected) with T, B >= 1")
        }
        guard input.isFinite else { throw InputChecks.nonFinite("input") }
        let timeMajor = layout == .batchFirst ? input.swappingFirstTwoAxes() : input
        let steps = timeMajor.shape[0], batch = timeMajor.shape[1]
        let hidden = config.hiddenSize, directions = config.directionCount
        let stateShape = [config.stateCount, batch, hidden]
        if let initialState {
            guard initialState.shape == stateShape else {
                throw GRUInputError(
                    .tensor("initial state"), found: "shape \(initialState.shape)", expected: "\(stateShape)")
            }
            guard initialState.isFinite else { throw InputChecks.nonFinite("initial state") }
        }
        let validLengths = try InputChecks.validatedLengths(lengths, steps: steps, batch: batch)
        if buffers.steps < steps || buffers.batch < batch || buffers.configuration != config {
            buffers = Buffers(steps: max(steps, buffers.steps), batch: max(batch, buffers.batch), configuration: config)
        }
        let b = buffers
        if precision == .float32, inputWeights.isEmpty,
            GRUInferenceSweep.sharesByUnits(batch: batch, weights: packedRecurrentWeights[0])
        {
            inputWeights = packInputWeights()
        }
        if steps * batch == 1 { streamingSteps += 1 }
        var finalState = [Float](repeating: 0, count: stateShape.reduce(1, *))
        // The first layer reads the input where it is and the last writes the output array in
        // place; layers between alternate between two scratch buffers.
        let outputCount = steps * batch * config.outputSize
        let outputScalars = [Float](unsafeUninitializedCapacity: outputCount) { outputBuffer, initializedCount in
            timeMajor.scalars.withUnsafeBufferPointer { inputBuffer in
                parameters.values.withUnsafeBufferPointer { weightBuffer in
                    validLengths.withUnsafeBufferPointer { lengthBuffer in
                        var layerInput = UnsafePointer(inputBuffer.baseAddress!)
                        var scratch = (b.layerInput.pointer, b.layerOutput.pointer)
                        for layer in 0..<config.layerCount {
                            // Every step writes every row's output (zeros past a row's length).
                            let isLast = layer == config.layerCount - 1
                            let layerOutput = isLast ? outputBuffer.baseAddress! : scratch.0
                            let input = layerInput
                            finalState.withUnsafeMutableBufferPointer { finalStatePointer in
                                DirectionScheduling.run(directions: directions, batch: batch) { direction in
                                    let stateIndex = layer * directions + direction
                                    let directionBuffers = b.directions[direction]
                                    let state = directionBuffers.state.pointer
                                    if let initialState {
                                        initialState.scalars.withUnsafeBufferPointer {
                                            state.update(
                                                from: $0.baseAddress! + stateIndex * batch * hidden,
                                                count: batch * hidden)
                                        }
                                    } else {
                                        state.update(repeating: 0, count: batch * hidden)
                                    }
                                    runDirection(
                                        layer: layer, direction: direction, steps: steps, batch: batch,
                                        lengths: lengthBuffer.baseAddress!, weights: weightBuffer.baseAddress!,
                                        input: input, output: layerOutput, buffers: directionBuffers)
                                    (finalStatePointer.baseAddress! + stateIndex * batch * hidden)
                                        .update(from: state, count: batch * hidden)
                                }
                            }
                            layerInput = UnsafePointer(layerOutput)
                            scratch = (scratch.1, scratch.0)
                        }
                    }
                }
            }
            initializedCount = outputCount
        }
        var output = Tensor(shape: [steps, batch, config.outputSize], scalars: outputScalars)
        if layout == .batchFirst { output = output.swappingFirstTwoAxes() }
        return (output, Tensor(shape: stateShape, scalars: finalState))
    }

    /// One step of one sequence, for streaming: `state` holds every layer's h_{t-1}, (L, H) as
    /// L * H values, and becomes every layer's h_t; the output of the step, the last layer's
    /// h_t, is its last H values.
    ///
    /// The same results as `run` on a (1, 1, I) input with that initial state, without `run`'s
    /// tensors and arrays: with a `state` array of its own (not shared with another variable),
    /// a step allocates nothing (at H = 128: 2.1-2.3 us a step on the AMD EPYC measured, where
    /// `run` took 3.1). Bad input throws and leaves `state` as it was.
    ///
    /// - Parameters:
    ///   - input: x_t, I values.
    ///   - state: L * H values; zeros start a sequence.
    /// - Throws: `GRUInputError` for a bidirectional GRU (its backward direction needs the
    ///   whole sequence: use `run`), wrong sizes, or values that are not finite.
    public func step(_ input: [Float], state: inout [Float]) throws {
        let config = configuration
        let hidden = config.hiddenSize, layers = config.layerCount
        guard !config.isBidirectional else {
            throw GRUInputError(
                .setting("streaming steps"),
                found: "a bidirectional GRU, whose backward direction reads the whole sequence",
                expected: "a unidirectional GRU (use run for a bidirectional one)")
        }
        guard input.count == config.inputSize else {
            throw GRUInputError(
                .tensor("step input"), found: "\(input.count) values",
                expected: "\(config.inputSize) (x_t of one sequence)")
        }
        guard state.count == layers * hidden else {
            throw GRUInputError(
                .tensor("state"), found: "\(state.count) values",
                expected: "\(layers * hidden) (\(layers) layers x hidden size \(hidden))")
        }
        guard input.withUnsafeBufferPointer({ Reductions.allFinite($0) }) else {
            throw InputChecks.nonFinite("step input")
        }
        guard state.withUnsafeBufferPointer({ Reductions.allFinite($0) }) else {
            throw InputChecks.nonFinite("state")
        }
        guard config.hasDefaultActivations else {
            try checkLowPrecisionActivations()
            let result = try GRU(parameters: parameters).forward(
                Tensor(shape: [1, 1, config.inputSize], scalars: input),
                initialState: Tensor(shape: [layers, 1, hidden], scalars: state))
            state = result.finalState.scalars
            return
        }
        if buffers.steps < 1 || buffers.batch < 1 || buffers.configuration != config {
            buffers = Buffers(steps: max(1, buffers.steps), batch: max(1, buffers.batch), configuration: config)
        }
        streamingSteps += 1
        let b = buffers.directions[0], descending = streamingSteps % 2 == 0
        var length = 1
        if precision != .float32 {
            input.withUnsafeBufferPointer { inputBuffer in
                state.withUnsafeMutableBufferPointer { stateBuffer in
                    var layerInput = inputBuffer.baseAddress!
                    for layer in 0..<layers {
                        let layerState = stateBuffer.baseAddress! + layer * hidden
                        QuantizedGRUSweep.run(
                            variant: config.variant, weights: quantizedWeights[layer], steps: 1, batch: 1,
                            reverse: false, lengths: &length, input: layerInput,
                            inputStride: config.inputSize(ofLayer: layer), workspace: b.quantized, state: layerState,
                            output: nil, outputStride: hidden)
                        layerInput = UnsafePointer(layerState)
                    }
                }
            }
            return
        }
        if inputWeights.isEmpty { inputWeights = packInputWeights() }
        input.withUnsafeBufferPointer { inputBuffer in
            state.withUnsafeMutableBufferPointer { stateBuffer in
                // Each layer's new state, where it lies in `state`, is the next layer's input.
                var layerInput = inputBuffer.baseAddress!
                for layer in 0..<layers {
                    let layerState = stateBuffer.baseAddress! + layer * hidden
                    GRUInferenceSweep.streamingStep(
                        variant: config.variant, weights: packedRecurrentWeights[layer],
                        inputWeights: inputWeights[layer], descending: descending, lengths: &length,
                        input: layerInput, inputProjection: b.inputProjection.pointer, state: layerState,
                        spare: b.nextState.pointer, gates: b.gates.pointer, resetState: b.auxiliary.pointer,
                        output: nil)
                    layerInput = UnsafePointer(layerState)
                }
            }
        }
    }

    /// The low-precision steps compute PyTorch's activations only.
    private func checkLowPrecisionActivations() throws {
        guard precision != .float32 else { return }
        let config = configuration
        throw GRUInputError(
            .setting("precision \(precision.rawValue)"),
            found:
                "activation \(config.activation.rawValue), recurrent activation \(config.recurrentActivation.rawValue)",
            expected: "tanh and sigmoid (PyTorch's GRU), or precision float32")
    }

    /// One layer and direction; the state lives in `buffers.state` and is updated in place.
    /// The two directions of a layer may run at once, each with its own `buffers`.
    private func runDirection(
        layer: Int, direction: Int, steps: Int, batch: Int, lengths: UnsafePointer<Int>,
        weights: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        buffers b: DirectionBuffers
    ) {
        let config = configuration, layout = parameters.layout
        let hidden = config.hiddenSize, h3 = 3 * hidden, inputSize = config.inputSize(ofLayer: layer)
        let inputWeight = weights + layout.slot(.inputWeight, layer: layer, direction: direction)!.offset
        let inputProjection = b.inputProjection.pointer  // (T*B, 3H)
        let state = b.state.pointer, next = b.nextState.pointer  // (B, H)
        let rows = steps * batch

        let index = layer * config.directionCount + direction
        if precision != .float32 {
            QuantizedGRUSweep.run(
                variant: config.variant, weights: quantizedWeights[index], steps: steps, batch: batch,
                reverse: direction == 1, lengths: lengths, input: input, inputStride: inputSize,
                workspace: b.quantized, state: state, output: output + direction * hidden,
                outputStride: config.outputSize)
            return
        }
        if rows == 1 {
            GRUInferenceSweep.streamingStep(
                variant: config.variant, weights: packedRecurrentWeights[index],
                inputWeights: inputWeights[index], descending: streamingSteps % 2 == 0, lengths: lengths,
                input: input, inputProjection: inputProjection, state: state, spare: next, gates: b.gates.pointer,
                resetState: b.auxiliary.pointer, output: output + direction * hidden)
            return
        }
        // All steps' input projections, (T*B, 3H), without b_ih (the packed steps add it): per
        // panel by the threads that step them when they share steps by units, else one GEMM.
        let weights = packedRecurrentWeights[index]
        let projectsPerPanel = GRUInferenceSweep.sharesByUnits(batch: batch, weights: weights)
        if !projectsPerPanel {
            Matmul.gemm(
                transposeA: false, transposeB: true, m: rows, n: h3, k: inputSize,
                a: input, lda: inputSize, b: inputWeight, ldb: inputSize,
                beta: 0, c: inputProjection, ldc: h3)
        }
        GRUInferenceSweep.run(
            variant: config.variant, weights: weights, steps: steps, batch: batch,
            reverse: direction == 1, lengths: lengths, inputWeights: projectsPerPanel ? inputWeights[index] : nil,
            input: input, inputProjection: inputProjection, state: state, spare: next,
            gates: b.gates.pointer, resetState: b.auxiliary.pointer, output: output + direction * hidden,
            outputStride: config.outputSize)
    }

    /// Buffers sized for the largest (T, B) seen so far.
    private final class Buffers {
        let steps: Int, batch: Int, configuration: GRUConfiguration?
        let layerInput: ScratchBuffer, layerOutput: ScratchBuffer  // (T, B, D*H) between layers
        let directions: [DirectionBuffers]  // one per direction: the two may run at once

        init(steps: Int, batch: Int, configuration: GRUConfiguration?) {
            self.steps = steps
            self.batch = batch
            self.configuration = configuration
            let hidden = configuration?.hiddenSize ?? 0
            let width = configuration?.outputSize ?? 0
            layerInput = ScratchBuffer(count: steps * batch * width)
            layerOutput = ScratchBuffer(count: steps * batch * width)
            directions = (0..<(configuration?.directionCount ?? 1)).map { _ in
                DirectionBuffers(steps: steps, batch: batch, hidden: hidden)
            }
        }
    }

    /// One direction's working buffers.
    private final class DirectionBuffers {
        let inputProjection: ScratchBuffer  // (T*B, 3H)
        let gates: ScratchBuffer  // (B, 3H), reset-before's gates of a step
        let auxiliary: ScratchBuffer  // (B, H), reset-before's r * h of a step
        let state: ScratchBuffer, nextState: ScratchBuffer  // (B, H)
        let quantized = QuantizedWorkspace()  // the low-precision steps' own

        init(steps: Int, batch: Int, hidden: Int) {
            inputProjection = ScratchBuffer(count: steps * batch * 3 * hidden)
            gates = ScratchBuffer(count: batch * 3 * hidden)
            auxiliary = ScratchBuffer(count: batch * hidden)
            state = ScratchBuffer(count: batch * hidden)
            nextState = ScratchBuffer(count: batch * hidden)
        }
    }
}
