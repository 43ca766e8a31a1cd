import Foundation
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// The inference session at low precision, on every path its steps take (one thread; split
/// by hidden units; several layers and both directions; lengths; streaming):
/// - bf16 and int8 one step from a random state against a twin built from
///   `NaiveQuantizedKernels`'s exact products and scalar gates, and whole sequences against
///   float32 within a bound.
/// - bf16 split across threads (layers, directions, lengths) bit for bit as on one thread:
///   its activations are rounded to bf16 too, so the float32 GRU on bf16 weights is no longer
///   the same math, and the plumbing is checked against itself and the step twin instead.
/// - the weight memory of each precision, and the activations the low-precision steps refuse.
@Suite(.tags(.unit))
struct QuantizedInferenceSessionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var variant: GRUVariant
        var batch: Int
        var hidden: Int
        var layers = 1
        var bidirectional = false
        var parts = 3
        var testDescription: String {
            "\(variant.rawValue) B\(batch) H\(hidden) L\(layers)\(bidirectional ? " bi" : "") P\(parts)"
        }
    }

    static let cases: [Case] = [
        Case(variant: .resetAfter, batch: 1, hidden: 40),  // one thread
        Case(variant: .resetBefore, batch: 1, hidden: 40),
        Case(variant: .resetAfter, batch: 1, hidden: 300),  // split by units, a partial panel
        Case(variant: .resetBefore, batch: 1, hidden: 300),
        Case(variant: .resetAfter, batch: 19, hidden: 70, layers: 2, bidirectional: true, parts: 2),
        Case(variant: .resetBefore, batch: 9, hidden: 140, layers: 2, bidirectional: true),
    ]

    @Test(arguments: cases)
    func bf16OnThreadsEqualsOneThread(_ testCase: Case) throws {
        let configuration = GRUConfiguration(
            inputSize: 5, hiddenSize: testCase.hidden, layerCount: testCase.layers,
            isBidirectional: testCase.bidirectional, variant: testCase.variant)
        let gru = GRU(configuration: configuration, seed: 3)
        var random = RandomData(seed: 4)
        let steps = 6
        let input = random.tensor([steps, testCase.batch, 5])
        let initialState = random.tensor([configuration.stateCount, testCase.batch, testCase.hidden])
        let lengths = (0..<testCase.batch).map { steps - $0 % 3 }
        let session = GRUInferenceSession(gru, precision: .bf16)
        let expected = try ThreadTeam.withParts(1) {
            try session.run(input, initialState: initialState, lengths: lengths)
        }
        try ThreadTeam.withParts(testCase.parts) {
            for _ in 0..<2 {  // the second call reuses the buffers
                let result = try session.run(input, initialState: initialState, lengths: lengths)
                #expect(result.output.scalars == expected.output.scalars, "output")
                #expect(result.finalState.scalars == expected.finalState.scalars, "state")
            }
        }
    }

    /// One bf16 or int8 step of one layer, as the twin computes it: gx and gh from the exact
    /// products, then the gates in Float with the C library's exp and tanh.
    static func quantizedStep(
        _ precision: InferencePrecision, variant: GRUVariant, gru: GRU, input: [Float], state: [Float], batch: Int
    ) -> [Float] {
        let parameters = gru.parameters, config = parameters.configuration
        let hidden = config.hiddenSize, inputSize = config.inputSize
        func tensor(_ role: RecurrentParameterRole) -> [Float] {
            let slot = parameters.slot(role, layer: 0, direction: 0)!
            return Array(parameters.values[slot.offset..<(slot.offset + slot.shape.reduce(1, *))])
        }
        func product(_ weights: RecurrentParameterRole, _ bias: RecurrentParameterRole, _ x: [Float], _ k: Int)
            -> [Float]
        {
            if precision == .bf16 {
                return NaiveQuantizedKernels.bf16Product(
                    weights: tensor(weights), bias: tensor(bias), input: x, rows: batch, columns: k)
            }
            let rows = tensor(weights).withUnsafeBufferPointer {
                Int8Rows(quantizing: $0.baseAddress!, rows: 3 * hidden, columns: k)
            }
            return NaiveQuantizedKernels.int8Product(weights: rows, bias: tensor(bias), input: x, rows: batch)
        }
        let gx = product(.inputWeight, .inputBias, input, inputSize)
        let gh = product(.recurrentWeight, .recurrentBias, state, hidden)
        func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
        var next = [Float](repeating: 0, count: batch * hidden)
        var resetState = [Float](repeating: 0, count: batch * hidden)
        for b in 0..<batch {
            for j in 0..<hidden {
                let r = sigmoid(gx[b * 3 * hidden + j] + gh[b * 3 * hidden + j])
                resetState[b * hidden + j] = r * state[b * hidden + j]
            }
        }
        let ghReset =
            variant == .resetBefore ? product(.recurrentWeight, .recurrentBias, resetState, hidden) : []
        for b in 0..<batch {
            for j in 0..<hidden {
                let row = b * 3 * hidden
                let r = sigmoid(gx[row + j] + gh[row + j])
                let z = sigmoid(gx[row + hidden + j] + gh[row + hidden + j])
                let n =
                    variant == .resetAfter
                    ? Foundation.tanh(gx[row + 2 * hidden + j] + r * gh[row + 2 * hidden + j])
                    : Foundation.tanh(gx[row + 2 * hidden + j] + ghReset[row + 2 * hidden + j])
                next[b * hidden + j] = (1 - z) * n + z * state[b * hidden + j]
            }
        }
        return next
    }

    @Test(arguments: [
        Case(variant: .resetAfter, batch: 1, hidden: 40), Case(variant: .resetBefore, batch: 1, hidden: 40),
        Case(variant: .resetAfter, batch: 1, hidden: 300), Case(variant: .resetBefore, batch: 1, hidden: 300),
        Case(variant: .resetAfter, batch: 12, hidden: 70), Case(variant: .resetBefore, batch: 12, hidden: 70),
    ])
    func stepMatchesTheTwin(_ testCase: Case) throws {
        let hidden = testCase.hidden, batch = testCase.batch, inputSize = 7
        let gru = GRU(
            configuration: GRUConfiguration(inputSize: inputSize, hiddenSize: hidden, variant: testCase.variant),
            seed: 5)
        var random = RandomData(seed: 6)
        let input = random.tensor([1, batch, inputSize]), state = random.tensor([1, batch, hidden], scale: 0.9)
        for precision in [InferencePrecision.bf16, .int8] {
            let expected = Self.quantizedStep(
                precision, variant: testCase.variant, gru: gru, input: input.scalars, state: state.scalars,
                batch: batch)
            let session = GRUInferenceSession(gru, precision: precision)
            try ThreadTeam.withParts(testCase.parts) {
                let result = try session.run(input, initialState: state)
                expectApproximatelyEqual(
                    result.finalState.scalars, expected, absoluteTolerance: 1e-5, "\(precision) run")
                if batch == 1 {
                    var streamed = state.scalars
                    try session.step(input.scalars, state: &streamed)
                    expectApproximatelyEqual(streamed, expected, absoluteTolerance: 1e-5, "\(precision) step")
                }
            }
        }
    }

    /// Whole sequences stay near float32: at this size, the int8 outputs within 0.03 and the
    /// bf16 ones within 0.01 (int8's weights' and activations' relative errors are about 2^-8,
    /// bf16's at most 2^-9 each).
    @Test(arguments: cases)
    func lowPrecisionSequencesStayNearFloat32(_ testCase: Case) throws {
        let configuration = GRUConfiguration(
            inputSize: 5, hiddenSize: testCase.hidden, layerCount: testCase.layers,
            isBidirectional: testCase.bidirectional, variant: testCase.variant)
        let gru = GRU(configuration: configuration, seed: 8)
        var random = RandomData(seed: 9)
        let input = random.tensor([20, testCase.batch, 5])
        let lengths = (0..<testCase.batch).map { 20 - $0 % 4 }
        let float32 = try GRUInferenceSession(gru).run(input, lengths: lengths)
        for (precision, tolerance) in [(InferencePrecision.int8, Float(0.03)), (.bf16, 0.01)] {
            let result = try ThreadTeam.withParts(testCase.parts) {
                try GRUInferenceSession(gru, precision: precision).run(input, lengths: lengths)
            }
            let largest = zip(result.output.scalars, float32.output.scalars).map { abs($0 - $1) }.max()!
            #expect(largest <= tolerance, "\(precision): largest output difference \(largest)")
            #expect(largest > 0, "\(precision): the outputs differ from float32 at all")
            // Past a row's length the outputs are zeros in every precision.
            for t in 0..<20 {
                for b in 0..<testCase.batch where t >= lengths[b] {
                    let width = configuration.outputSize
                    let row = result.output.scalars[
                        ((t * testCase.batch + b) * width)..<((t * testCase.batch + b + 1) * width)]
                    #expect(row.allSatisfy { $0 == 0 }, "\(precision): output at t \(t) row \(b) past its length")
                }
            }
        }
    }

    @Test func weightMemoryShrinksTwoAndFourTimes() {
        let gru = GRU(configuration: GRUConfiguration(inputSize: 256, hiddenSize: 512), seed: 1)
        let float32 = GRUInferenceSession(gru).weightBytes
        #expect(float32 == 3 * 512 * (256 + 512) * 4)
        #expect(GRUInferenceSession(gru, precision: .bf16).weightBytes * 2 == float32)
        #expect(GRUInferenceSession(gru, precision: .int8).weightBytes * 4 == float32)
    }

    @Test func lowPrecisionRefusesOtherActivations() throws {
        let gru = GRU(
            configuration: GRUConfiguration(inputSize: 3, hiddenSize: 8, activation: .relu), seed: 1)
        let session = GRUInferenceSession(gru, precision: .int8)
        let error = try #require(throws: GRUInputError.self) {
            try session.run(Tensor(shape: [2, 1, 3], scalars: [Float](repeating: 0.5, count: 6)))
        }
        #expect("\(error)".contains("precision int8"), "\(error)")
        #expect("\(error)".contains("relu"), "\(error)")
        var state = [Float](repeating: 0, count: 8)
        #expect(throws: GRUInputError.self) { try session.step([0.1, 0.2, 0.3], state: &state) }
    }
}
