import GRUTensor

/// Inference-only LSTM forward passes that keep no trace for backward, pack their weights once
/// and reuse their buffers from call to call, for serving and streaming: the LSTM's
/// counterpart of `GRUInferenceSession`.
///
/// Same results as `LSTMLayer.forward` without dropout (both run `LSTMGateKernels`; the
/// products differ only in the order of their sums). Not thread-safe: one session per thread.
/// Legend: T steps, B batch, I input size, H hidden size, L layers, D directions,
/// W = 4 * 32 ceil(H / 32) regrouped gate columns (`LSTMRegroupedWeights`).
public final class LSTMInferenceSession {
    /// The stack's sizes.
    public let configuration: LSTMConfiguration

    /// Per layer and direction, in buffer order: the weights and biases packed for the steps
    /// (gate rows regrouped by 32-unit block).
    private let regroupedWeights: [LSTMRegroupedWeights]
    private var buffers = Buffers(rows: 0, batch: 0, hidden: 0, width: 0)

    /// A session over `weights`, the layer's `layout.count` parameters, packed (copied) once.
    ///
    /// - Throws: `GRUInputError` for a layer trained with zoneout (its inference applies
    ///   zoneout's expectation, which only `LSTMLayer.forward` does).
    public init(_ layer: LSTMLayer, weights: UnsafeBufferPointer<Float>) throws {
        precondition(
            weights.count == layer.layout.count,
            "LSTM weights: \(weights.count) values, layout needs \(layer.layout.count)")
        guard layer.zoneout == 0 else {
            throw GRUInputError(
                .setting("zoneout"), found: "\(layer.zoneout)",
                expected: "0 for an inference session (use LSTMLayer.forward, which applies its expectation)")
        }
        let config = layer.configuration
        configuration = config
        let base = weights.baseAddress!
        let pairs = (0..<config.layerCount).flatMap { l in (0..<config.directionCount).map { (l, $0) } }
        func at(_ role: RecurrentParameterRole, _ l: Int, _ d: Int) -> UnsafePointer<Float>? {
            layer.layout.slot(role, layer: l, direction: d).map { base + $0.offset }
        }
        regroupedWeights = pairs.map { l, d in
            LSTMRegroupedWeights(
                hidden: config.hiddenSize, inputSize: config.inputSize(ofLayer: l),
                inputWeight: at(.inputWeight, l, d)!, recurrentWeight: at(.recurrentWeight, l, d)!,
                inputBias: at(.inputBias, l, d), recurrentBias: at(.recurrentBias, l, d))
        }
    }

    // MARK: - Whole sequences

    /// Runs the stack over a batch of sequences; see `LSTMLayer.forward` for shapes and
    /// semantics (time-major input).
    ///
    /// - Returns: the output (T, B, D*H), the final states h_n and c_n, (L*D, B, H) each.
    /// - Throws: `GRUInputError` when a shape, length or value does not fit.
    public func run(
        _ input: Tensor, initialState: Tensor? = nil, initialCellState: Tensor? = nil, lengths: [Int]? = nil
    ) throws -> (output: Tensor, finalState: Tensor, finalCellState: Tensor) {
        let config = configuration
        guard input.rank == 3, input.shape[2] == config.inputSize, input.shape[0] > 0, input.shape[1] > 0 else {
            throw GRUInputError(
                .tensor("input"), found: "shape \(input.shape)", expected: "(T, B, \(config.inputSize)) with T, B >= 1")
        }
        guard input.isFinite else { throw InputChecks.nonFinite("input") }
        let steps = input.shape[0], batch = input.shape[1], hidden = config.hiddenSize
        let stateShape = [config.stateCount, batch, hidden]
        for (name, tensor) in [("initial state", initialState), ("initial cell state", initialCellState)] {
            guard let tensor else { continue }
            guard tensor.shape == stateShape else {
                throw GRUInputError(.tensor(name), found: "shape \(tensor.shape)", expected: "\(stateShape)")
            }
            guard tensor.isFinite else { throw InputChecks.nonFinite(name) }
        }
        let validLengths = try InputChecks.validatedLengths(lengths, steps: steps, batch: batch)
        let b = grownBuffers(rows: steps * batch, batch: batch)
        let count = batch * hidden
        var finalState = [Float](repeating: 0, count: stateShape.reduce(1, *))
        var finalCellState = finalState
        var layerInput = input.scalars
        for l in 0..<config.layerCount {
            // Every step writes every row's output (zeros past a row's length).
            var layerOutput = [Float](unsafeUninitializedCapacity: steps * batch * config.outputSize) {
                $1 = steps * batch * config.outputSize
            }
            for d in 0..<config.directionCount {
                let index = l * config.directionCount + d
                load(initialState, index: index, count: count, into: b.state.pointer)
                load(initialCellState, index: index, count: count, into: b.cellState.pointer)
                layerInput.withUnsafeBufferPointer { x in
                    validLengths.withUnsafeBufferPointer { lengthBuffer in
                        layerOutput.withUnsafeMutableBufferPointer { output in
                            LSTMInferenceSweep.run(
                                weights: regroupedWeights[index], steps: steps, batch: batch, reverse: d == 1,
                                lengths: lengthBuffer.baseAddress!, input: x.baseAddress!,
                                projection: b.inputProjection.pointer, states: b.states,
                                output: output.baseAddress! + d * hidden, outputStride: config.outputSize)
                        }
                    }
                }
                finalState.withUnsafeMutableBufferPointer {
                    ($0.baseAddress! + index * count).update(from: b.state.pointer, count: count)
                }
                finalCellState.withUnsafeMutableBufferPointer {
                    ($0.baseAddress! + index * count).update(from: b.cellState.pointer, count: count)
                }
            }
            layerInput = layerOutput
        }
        return (
            Tensor(shape: [steps, batch, config.outputSize], scalars: layerInput),
            Tensor(shape: stateShape, scalars: finalState), Tensor(shape: stateShape, scalars: finalCellState)
        )
    }

    // MARK: - Streaming

    /// One step of one sequence, for streaming: `state` and `cellState` hold every layer's
    /// h_{t-1} and c_{t-1}, (L, H) as L * H values each, and become every layer's h_t and c_t;
    /// the output of the step, the last layer's h_t, is the last H values of `state`.
    ///
    /// The same results as `run` on a (1, 1, I) input with those initial states. With arrays
    /// of its own (not shared with another variable), a step allocates no buffer: W_ih x_t is
    /// fused into the step (see `LSTMInferenceSweep.streamingStep`). Bad input throws and
    /// leaves the states as they were.
    ///
    /// - Parameters:
    ///   - input: x_t, I values.
    ///   - state, cellState: L * H values each; zeros start a sequence.
    /// - Throws: `GRUInputError` for a bidirectional LSTM (its backward direction needs the
    ///   whole sequence: use `run`), wrong sizes, or values that are not finite.
    public func step(_ input: [Float], state: inout [Float], cellState: inout [Float]) throws {
        let config = configuration
        let hidden = config.hiddenSize, layers = config.layerCount
        guard !config.isBidirectional else {
            throw GRUInputError(
                .setting("streaming steps"),
                found: "a bidirectional LSTM, whose backward direction reads the whole sequence",
                expected: "a unidirectional LSTM (use run for a bidirectional one)")
        }
        guard input.count == config.inputSize else {
            throw GRUInputError(
                .tensor("step input"), found: "\(input.count) values",
                expected: "\(config.inputSize) (x_t of one sequence)")
        }
        try checkStreamingState(state, name: "state")
        try checkStreamingState(cellState, name: "cell state")
        guard input.withUnsafeBufferPointer({ Reductions.allFinite($0) }) else {
            throw InputChecks.nonFinite("step input")
        }
        let b = grownBuffers(rows: 1, batch: 1)
        input.withUnsafeBufferPointer { inputBuffer in
            state.withUnsafeMutableBufferPointer { stateBuffer in
                cellState.withUnsafeMutableBufferPointer { cellStateBuffer in
                    // Each layer's new h, where it lies in `state`, is the next layer's input.
                    var layerInput = inputBuffer.baseAddress!
                    for l in 0..<layers {
                        let layerState = stateBuffer.baseAddress! + l * hidden
                        let states = LSTMInferenceSweep.States(
                            state: layerState, spare: b.spare.pointer,
                            cellState: cellStateBuffer.baseAddress! + l * hidden, cellSpare: b.cellSpare.pointer,
                            gates: b.gates.pointer)
                        LSTMInferenceSweep.streamingStep(
                            weights: regroupedWeights[l], input: layerInput, projection: b.inputProjection.pointer,
                            states: states, output: nil)
                        layerInput = UnsafePointer(layerState)
                    }
                }
            }
        }
    }

    /// L * H finite values, or a typed error naming the tensor.
    private func checkStreamingState(_ values: [Float], name: String) throws {
        let layers = configuration.layerCount, hidden = configuration.hiddenSize
        guard values.count == layers * hidden else {
            throw GRUInputError(
                .tensor(name), found: "\(values.count) values",
                expected: "\(layers * hidden) (\(layers) layers x hidden size \(hidden))")
        }
        guard values.withUnsafeBufferPointer({ Reductions.allFinite($0) }) else { throw InputChecks.nonFinite(name) }
    }

    // MARK: - Buffers

    /// State `index` of `tensor` (L*D, B, H), or zeros without one.
    private func load(_ tensor: Tensor?, index: Int, count: Int, into buffer: UnsafeMutablePointer<Float>) {
        guard let tensor else { return buffer.update(repeating: 0, count: count) }
        tensor.scalars.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + index * count, count: count) }
    }

    /// The buffers, grown to at least `rows` (T*B) and `batch` rows.
    private func grownBuffers(rows: Int, batch: Int) -> Buffers {
        if buffers.rows < rows || buffers.batch < batch {
            // A row of the regrouped gates: 4 * 32 ceil(H / 32) values.
            buffers = Buffers(
                rows: max(rows, buffers.rows), batch: max(batch, buffers.batch), hidden: configuration.hiddenSize,
                width: regroupedWeights[0].gateWidth)
        }
        return buffers
    }

    /// Buffers sized for the largest (T*B, B) seen so far.
    private final class Buffers {
        let rows: Int, batch: Int
        let inputProjection: ScratchBuffer  // (T*B, W), regrouped
        let gates: ScratchBuffer  // (B, W), regrouped
        let state: ScratchBuffer, spare: ScratchBuffer  // (B, H)
        let cellState: ScratchBuffer, cellSpare: ScratchBuffer  // (B, H)

        init(rows: Int, batch: Int, hidden: Int, width: Int) {
            self.rows = rows
            self.batch = batch
            inputProjection = ScratchBuffer(count: rows * width)
            gates = ScratchBuffer(count: batch * width)
            state = ScratchBuffer(count: batch * hidden)
            spare = ScratchBuffer(count: batch * hidden)
            cellState = ScratchBuffer(count: batch * hidden)
            cellSpare = ScratchBuffer(count: batch * hidden)
        }

        var states: LSTMInferenceSweep.States {
            LSTMInferenceSweep.States(
                state: state.pointer, spare: spare.pointer, cellState: cellState.pointer,
                cellSpare: cellSpare.pointer, gates: gates.pointer)
        }
    }
}
