import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// The LSTM inference session against `LSTMLayer.forward` (1e-5): whole sequences on every
/// path the steps take (one row on the single-row packing, one thread or split by blocks;
/// small batches split by hidden units; batches split by rows; stacked and bidirectional with
/// lengths), and streaming one step at a time (W_ih x_t fused into the step) against the whole
/// sequence. The session runs in a forced part count
/// (`ThreadTeam.withParts`), so that its splits happen on any machine, and the references on
/// one thread.
@Suite(.tags(.unit))
struct LSTMInferenceSessionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var batch: Int
        var hidden: Int
        var layers = 1
        var bidirectional = false
        /// The session's parts: 3 by default, 2 where 2 split a batch by rows (3 would not).
        var parts = 3
        var testDescription: String {
            "B\(batch) H\(hidden) L\(layers)\(bidirectional ? " bi" : "") P\(parts)"
        }
    }

    /// A layer and its PyTorch-initialized weights, non-zero biases included.
    static func layer(_ configuration: LSTMConfiguration, seed: UInt64) -> (LSTMLayer, [Float]) {
        let layer = LSTMLayer(configuration)
        var weights = [Float](repeating: 0, count: layer.layout.count)
        var generator = SeededGenerator(seed: seed)
        weights.withUnsafeMutableBufferPointer { layer.initialize($0, using: &generator, as: .pytorch) }
        return (layer, weights)
    }

    static let cases: [Case] = [
        Case(batch: 1, hidden: 40),  // one thread
        Case(batch: 1, hidden: 300),  // split by units, a partial panel
        Case(batch: 1, hidden: 70, layers: 2, bidirectional: true),  // one row, a shorter length
        Case(batch: 3, hidden: 33),
        Case(batch: 19, hidden: 70, parts: 2),  // split by rows
        Case(batch: 8, hidden: 140, layers: 2, bidirectional: true),
        Case(batch: 17, hidden: 40, layers: 2, bidirectional: true, parts: 2),
        // Split by units although rows would do: W_hh too big for one L2, half of it not.
        Case(batch: 16, hidden: unitsSharingHidden(gates: 4), parts: 2),
    ]

    @Test(arguments: cases)
    func runMatchesTheLayersForward(_ testCase: Case) throws {
        let configuration = LSTMConfiguration(
            inputSize: 5, hiddenSize: testCase.hidden, layerCount: testCase.layers,
            isBidirectional: testCase.bidirectional)
        let (layer, weights) = Self.layer(configuration, seed: 3)
        var random = RandomData(seed: 4)
        let steps = 6
        let input = random.tensor([steps, testCase.batch, 5])
        let initialState = random.tensor([configuration.stateCount, testCase.batch, testCase.hidden])
        let initialCellState = random.tensor([configuration.stateCount, testCase.batch, testCase.hidden])
        let lengths = (0..<testCase.batch).map { steps - ($0 + 1) % 3 }
        let expected = try ThreadTeam.withParts(1) {
            try weights.withUnsafeBufferPointer {
                try layer.forward(
                    input, initialState: initialState, initialCellState: initialCellState, lengths: lengths,
                    weights: $0)
            }
        }
        let session = try weights.withUnsafeBufferPointer { try LSTMInferenceSession(layer, weights: $0) }
        try ThreadTeam.withParts(testCase.parts) {
            #expect(ThreadTeam.defaultParts == testCase.parts)
            for _ in 0..<2 {  // the second call reuses the buffers
                let result = try session.run(
                    input, initialState: initialState, initialCellState: initialCellState, lengths: lengths)
                expectApproximatelyEqual(result.output, expected.output, absoluteTolerance: 1e-5, "output")
                expectApproximatelyEqual(result.finalState, expected.finalState, absoluteTolerance: 1e-5, "h_n")
                expectApproximatelyEqual(
                    result.finalCellState, try #require(expected.finalCellState), absoluteTolerance: 1e-5, "c_n")
            }
        }
    }

    static let stepCases: [Case] = [
        Case(batch: 1, hidden: 40),  // one thread
        Case(batch: 1, hidden: 300),  // split by units, a partial panel
        Case(batch: 1, hidden: 140, layers: 3),  // layers feed each other
        Case(batch: 1, hidden: 256, parts: 2),
    ]

    /// Each step's h_t against the whole sequence's output, and the final h and c of every layer.
    @Test(arguments: stepCases)
    func stepByStepEqualsTheWholeSequence(_ testCase: Case) throws {
        let hidden = testCase.hidden, inputSize = 7, steps = 7, layers = testCase.layers
        let configuration = LSTMConfiguration(inputSize: inputSize, hiddenSize: hidden, layerCount: layers)
        let (layer, weights) = Self.layer(configuration, seed: 5)
        var random = RandomData(seed: 6)
        let input = random.tensor([steps, 1, inputSize])
        let initialState = random.tensor([layers, 1, hidden])
        let initialCellState = random.tensor([layers, 1, hidden])
        let whole = try ThreadTeam.withParts(1) {
            try weights.withUnsafeBufferPointer {
                try layer.forward(input, initialState: initialState, initialCellState: initialCellState, weights: $0)
            }
        }
        let session = try weights.withUnsafeBufferPointer { try LSTMInferenceSession(layer, weights: $0) }
        var state = initialState.scalars, cellState = initialCellState.scalars
        for t in 0..<steps {
            let x = Array(input.scalars[(t * inputSize)..<((t + 1) * inputSize)])
            try ThreadTeam.withParts(testCase.parts) {
                try session.step(x, state: &state, cellState: &cellState)
            }
            expectApproximatelyEqual(
                Array(state[((layers - 1) * hidden)...]),
                whole.output.scalars[(t * hidden)..<((t + 1) * hidden)].map(Double.init),
                absoluteTolerance: 1e-5, "step \(t)")
        }
        expectApproximatelyEqual(state, whole.finalState.scalars, absoluteTolerance: 1e-5, "h_n")
        expectApproximatelyEqual(
            cellState, try #require(whole.finalCellState).scalars, absoluteTolerance: 1e-5, "c_n")
    }

    /// Bad steps are typed errors that leave the states as they were; a zoneout layer is refused.
    @Test func badInputIsATypedError() throws {
        let (layer, weights) = Self.layer(LSTMConfiguration(inputSize: 3, hiddenSize: 4), seed: 1)
        let session = try weights.withUnsafeBufferPointer { try LSTMInferenceSession(layer, weights: $0) }
        var state = [Float](repeating: 0.5, count: 4), cellState = state
        #expect(throws: GRUInputError.self) { try session.step([1, 2], state: &state, cellState: &cellState) }
        var short = [Float](repeating: 0, count: 3)
        #expect(throws: GRUInputError.self) { try session.step([1, 2, 3], state: &state, cellState: &short) }
        #expect(throws: GRUInputError.self) {
            try session.step([1, .nan, 3], state: &state, cellState: &cellState)
        }
        #expect(state == [Float](repeating: 0.5, count: 4) && cellState == state)
        #expect(throws: GRUInputError.self) { try session.run(Tensor(shape: [2, 1, 4], repeating: 0)) }

        let (bidirectional, biWeights) = Self.layer(
            LSTMConfiguration(inputSize: 3, hiddenSize: 4, isBidirectional: true), seed: 1)
        let biSession = try biWeights.withUnsafeBufferPointer { try LSTMInferenceSession(bidirectional, weights: $0) }
        #expect(throws: GRUInputError.self) { try biSession.step([1, 2, 3], state: &state, cellState: &cellState) }

        let zoneout = LSTMLayer(LSTMConfiguration(inputSize: 3, hiddenSize: 4), zoneout: 0.1)
        #expect(throws: GRUInputError.self) {
            try weights.withUnsafeBufferPointer { _ = try LSTMInferenceSession(zoneout, weights: $0) }
        }
    }
}
