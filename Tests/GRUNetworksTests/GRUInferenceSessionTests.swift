import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// The inference session against `GRU.forward`, on every path it takes: one sequence (split by
/// hidden units across threads when large enough), batches split by rows, small batches; and
/// streaming one step at a time (the input projection fused into the step, the panels walked
/// in alternating order) against the whole sequence. The session runs in a forced part count
/// (`ThreadTeam.withParts`), so that its splits happen on any machine, and the references on
/// one thread.
@Suite(.tags(.unit))
struct GRUInferenceSessionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var variant: GRUVariant
        var batch: Int
        var hidden: Int
        var layers = 1
        var bidirectional = false
        /// The session's parts: 3 by default, 2 where 2 split a batch by rows (3 would not).
        var parts = 3
        var testDescription: String {
            "\(variant.rawValue) B\(batch) H\(hidden) L\(layers)\(bidirectional ? " bi" : "") P\(parts)"
        }
    }

    static let cases: [Case] = [
        Case(variant: .resetAfter, batch: 1, hidden: 40),  // one thread
        Case(variant: .resetBefore, batch: 1, hidden: 40),
        Case(variant: .resetAfter, batch: 1, hidden: 300),  // split by units
        Case(variant: .resetAfter, batch: 8, hidden: 440, layers: 2, bidirectional: true),  // directions at once
        Case(variant: .resetAfter, batch: 3, hidden: 33),
        Case(variant: .resetAfter, batch: 19, hidden: 70, parts: 2),  // split by rows
        Case(variant: .resetBefore, batch: 8, hidden: 440, layers: 2, bidirectional: true),
        // Split by rows: both variants, a second layer reading the first's output, both
        // directions.
        Case(variant: .resetBefore, batch: 19, hidden: 70, parts: 2),
        Case(variant: .resetAfter, batch: 17, hidden: 40, layers: 2, bidirectional: true, parts: 2),
        // Rows enough to split by rows, but W_hh (3H x H) too big for one L2 and half of it
        // not: split by units, the input projected per panel (`StepSharing.forInference`).
        Case(variant: .resetAfter, batch: 16, hidden: unitsSharingHidden(gates: 3), parts: 2),
        Case(variant: .resetBefore, batch: 16, hidden: unitsSharingHidden(gates: 3), parts: 2),
    ]

    @Test(arguments: cases)
    func matchesTheTrainingForward(_ testCase: Case) throws {
        let configuration = GRUConfiguration(
            inputSize: 5, hiddenSize: testCase.hidden, layerCount: testCase.layers,
            isBidirectional: testCase.bidirectional, variant: testCase.variant)
        let gru = GRU(configuration: configuration, seed: 3)
        var random = RandomData(seed: 4)
        let steps = 6
        let input = random.tensor([steps, testCase.batch, 5])
        let initialState = random.tensor([configuration.stateCount, testCase.batch, testCase.hidden])
        let lengths = (0..<testCase.batch).map { steps - $0 % 3 }
        let expected = try ThreadTeam.withParts(1) {
            try gru.forward(input, initialState: initialState, lengths: lengths)
        }
        let session = GRUInferenceSession(gru)
        try ThreadTeam.withParts(testCase.parts) {
            #expect(ThreadTeam.defaultParts == testCase.parts)
            for _ in 0..<2 {  // the second call reuses the buffers
                let result = try session.run(input, initialState: initialState, lengths: lengths)
                expectApproximatelyEqual(result.output, expected.output, absoluteTolerance: 2e-6, "output")
                expectApproximatelyEqual(result.finalState, expected.finalState, absoluteTolerance: 2e-6, "final state")
            }
        }
    }

    static let streamingCases: [Case] = [
        Case(variant: .resetAfter, batch: 1, hidden: 40),  // one thread
        Case(variant: .resetAfter, batch: 1, hidden: 300),  // split by units, a partial panel
        Case(variant: .resetBefore, batch: 1, hidden: 40),
        Case(variant: .resetBefore, batch: 1, hidden: 300),
        Case(variant: .resetAfter, batch: 1, hidden: 140, layers: 2, bidirectional: true),
        Case(variant: .resetBefore, batch: 1, hidden: 140, layers: 2, bidirectional: true),
    ]

    /// Each step's output and state against the whole sequence's; a bidirectional GRU's
    /// steps are single-step sequences, so its reference is the whole GRU on each step alone.
    @Test(arguments: streamingCases)
    func streamingStepByStepEqualsTheWholeSequence(_ testCase: Case) throws {
        let hidden = testCase.hidden, inputSize = 4, steps = 7
        let configuration = GRUConfiguration(
            inputSize: inputSize, hiddenSize: hidden, layerCount: testCase.layers,
            isBidirectional: testCase.bidirectional, variant: testCase.variant)
        let gru = GRU(configuration: configuration, seed: 5)
        var random = RandomData(seed: 6)
        let input = random.tensor([steps, 1, inputSize])
        let whole = try ThreadTeam.withParts(1) { try gru.forward(input) }
        let session = GRUInferenceSession(gru)
        var state: Tensor? = nil
        for t in 0..<steps {
            let step = Tensor(
                shape: [1, 1, inputSize], scalars: Array(input.scalars[(t * inputSize)..<((t + 1) * inputSize)]))
            let result = try ThreadTeam.withParts(testCase.parts) {
                #expect(ThreadTeam.defaultParts == testCase.parts)
                return try session.run(step, initialState: state)
            }
            if testCase.bidirectional {
                let expected = try ThreadTeam.withParts(1) { try gru.forward(step, initialState: state) }
                expectApproximatelyEqual(result.output, expected.output, absoluteTolerance: 2e-6, "step \(t)")
                expectApproximatelyEqual(result.finalState, expected.finalState, absoluteTolerance: 2e-6, "step \(t)")
            } else {
                let width = configuration.outputSize
                expectApproximatelyEqual(
                    result.output.scalars, whole.output.scalars[(t * width)..<((t + 1) * width)].map(Double.init),
                    absoluteTolerance: 2e-6, "step \(t)")
            }
            state = result.finalState
        }
        if !testCase.bidirectional {
            expectApproximatelyEqual(state!, whole.finalState, absoluteTolerance: 2e-6, "final state")
        }
    }

    static let stepCases: [Case] = [
        Case(variant: .resetAfter, batch: 1, hidden: 40),  // one thread
        Case(variant: .resetAfter, batch: 1, hidden: 300),  // split by units, a partial panel
        Case(variant: .resetBefore, batch: 1, hidden: 40),
        Case(variant: .resetBefore, batch: 1, hidden: 300),
        Case(variant: .resetAfter, batch: 1, hidden: 140, layers: 3),  // layers feed each other
        Case(variant: .resetBefore, batch: 1, hidden: 140, layers: 2),
    ]

    /// `step` against `run` on the same single steps (the same kernels, so the same bits) and
    /// against the whole sequence.
    @Test(arguments: stepCases)
    func stepEqualsRunOnEachStep(_ testCase: Case) throws {
        let hidden = testCase.hidden, inputSize = 4, steps = 7
        let configuration = GRUConfiguration(
            inputSize: inputSize, hiddenSize: hidden, layerCount: testCase.layers, variant: testCase.variant)
        let gru = GRU(configuration: configuration, seed: 7)
        var random = RandomData(seed: 8)
        let input = random.tensor([steps, 1, inputSize])
        let initialState = random.tensor([testCase.layers, 1, hidden])
        let whole = try ThreadTeam.withParts(1) { try gru.forward(input, initialState: initialState) }
        let stepping = GRUInferenceSession(gru), running = GRUInferenceSession(gru)
        var state = initialState.scalars
        var runState = initialState
        for t in 0..<steps {
            let x = Array(input.scalars[(t * inputSize)..<((t + 1) * inputSize)])
            let result = try ThreadTeam.withParts(testCase.parts) {
                #expect(ThreadTeam.defaultParts == testCase.parts)
                try stepping.step(x, state: &state)
                return try running.run(Tensor(shape: [1, 1, inputSize], scalars: x), initialState: runState)
            }
            #expect(state == result.finalState.scalars, "step \(t)")
            expectApproximatelyEqual(
                Array(state.suffix(hidden)), whole.output.scalars[(t * hidden)..<((t + 1) * hidden)].map(Double.init),
                absoluteTolerance: 2e-6, "step \(t) output")
            runState = result.finalState
        }
        expectApproximatelyEqual(
            state, whole.finalState.scalars.map(Double.init), absoluteTolerance: 2e-6, "final state")
    }

    /// Bad input to `step` is one line naming what was expected, and leaves the state alone.
    @Test func stepRejectsBadInputAndKeepsTheState() throws {
        let gru = GRU(configuration: GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2), seed: 1)
        let session = GRUInferenceSession(gru)
        let kept: [Float] = (0..<8).map { Float($0) / 10 }
        func expectError(
            _ fragments: [String], input: [Float], state: [Float], sourceLocation: SourceLocation = #_sourceLocation
        ) {
            var state = state
            let before = state
            expectInputError(fragments, sourceLocation: sourceLocation) { try session.step(input, state: &state) }
            #expect(state.elementsEqual(before) { $0 == $1 || ($0.isNaN && $1.isNaN) }, sourceLocation: sourceLocation)
        }
        expectError(["step input: 4 values; expected 3 (x_t of one sequence)"], input: [1, 2, 3, 4], state: kept)
        expectError(["state: 4 values; expected 8 (2 layers x hidden size 4)"], input: [1, 2, 3], state: [0, 0, 0, 0])
        expectError(["step input: NaN or infinite values; expected finite values"], input: [1, .nan, 3], state: kept)
        var infinite = kept
        infinite[5] = .infinity
        expectError(["state: NaN or infinite values; expected finite values"], input: [1, 2, 3], state: infinite)
        let bidirectional = GRUInferenceSession(
            GRU(configuration: GRUConfiguration(inputSize: 3, hiddenSize: 4, isBidirectional: true), seed: 1))
        var state = [Float](repeating: 0, count: 8)
        let error = #expect(throws: GRUInputError.self) { try bidirectional.step([1, 2, 3], state: &state) }
        #expect(
            error?.description
                == "streaming steps: a bidirectional GRU, whose backward direction reads the whole sequence; "
                + "expected a unidirectional GRU (use run for a bidirectional one)")
        // The session still steps after the errors.
        var good = kept
        try session.step([1, 2, 3], state: &good)
        #expect(good != kept)
    }
}

/// A hidden size whose W_hh of `gates` x H x H floats takes three quarters of this machine's
/// L2, so that an inference sweep of 16 rows on two threads shares its steps by units.
func unitsSharingHidden(gates: Int) -> Int {
    let hidden = (0.75 * Double(CacheSizes.level2Bytes) / Double(4 * gates)).squareRoot()
    return max(16, Int(hidden) / 16 * 16)
}
