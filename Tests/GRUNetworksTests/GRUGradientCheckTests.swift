import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUNetworks

/// Central finite differences in Double (through `NaiveGRU`) against `GRU.backward`, for the
/// loss L = sum(output * dY) + sum(finalState * dHN). Independent of the reference fixtures.
@Suite(.tags(.unit))
struct GRUGradientCheckTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var variant: GRUVariant
        var layers = 1
        var bidirectional = false
        var bias = true
        var lengths: [Int]? = nil
        var initialState = true
        var dropout: GRUDropout? = nil
        func configuration(inputSize: Int, hiddenSize: Int) -> GRUConfiguration {
            GRUConfiguration(
                inputSize: inputSize, hiddenSize: hiddenSize, layerCount: layers,
                isBidirectional: bidirectional, hasBias: bias, variant: variant)
        }
        var testDescription: String {
            "\(variant.rawValue) L\(layers)\(bidirectional ? " bi" : "")\(bias ? "" : " no-bias")"
                + "\(lengths.map { " lengths \($0)" } ?? "")\(initialState ? " h0" : "")"
                + (dropout.map { " dropout \($0.betweenLayers)/\($0.recurrent)" } ?? "")
        }
    }

    static let cases: [Case] = GRUVariant.allCases.flatMap { variant in
        [
            Case(variant: variant),
            Case(variant: variant, layers: 2, bidirectional: true, lengths: [4, 2, 1]),
            Case(variant: variant, bias: false, initialState: false),
            Case(variant: variant, layers: 2, lengths: [3, 4, 1], initialState: false),
            Case(
                variant: variant, layers: 2, bidirectional: true, lengths: [2, 4, 3],
                dropout: GRUDropout(betweenLayers: 0.3, recurrent: 0.4, seed: 99)),
        ]
    }

    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ testCase: Case) throws {
        let steps = 4, batch = 3, inputSize = 3, hidden = 4
        let configuration = testCase.configuration(inputSize: inputSize, hiddenSize: hidden)
        let gru = GRU(configuration: configuration, initialization: .pytorch, seed: 7)
        var random = RandomData(seed: 11)
        let input = random.tensor([steps, batch, inputSize])
        let initialState = testCase.initialState ? random.tensor([configuration.stateCount, batch, hidden]) : nil
        let outputGradient = random.tensor([steps, batch, configuration.outputSize])
        let finalStateGradient = random.tensor([configuration.stateCount, batch, hidden])

        let result = try gru.forward(
            input, initialState: initialState, lengths: testCase.lengths, dropout: testCase.dropout)
        let gradients = try gru.backward(
            result, outputGradient: outputGradient, finalStateGradient: finalStateGradient)

        // The same dropout masks the fast path drew, so both compute the same function.
        let naive = NaiveGRU(gru.parameters, masksOf: result.trace)
        if testCase.dropout != nil {
            #expect(naive.betweenLayerMasks[1] != nil && naive.recurrentMasks[0][0] != nil)
        }
        let x = input.scalars.map(Double.init)
        let h0 = (initialState ?? Tensor(shape: [configuration.stateCount, batch, hidden])).scalars.map(Double.init)
        let dY = outputGradient.scalars.map(Double.init), dHN = finalStateGradient.scalars.map(Double.init)
        func loss(parameters: [Double], input: [Double], initialState: [Double]) -> Double {
            var perturbed = naive
            perturbed.parameters = parameters
            let (y, hn) = perturbed.forward(
                input: input, steps: steps, batch: batch, initialState: initialState, lengths: testCase.lengths)
            return zip(y, dY).map(*).reduce(0, +) + zip(hn, dHN).map(*).reduce(0, +)
        }
        let expectedParameters = centralDifferences(naive.parameters) {
            loss(parameters: $0, input: x, initialState: h0)
        }
        let expectedInput = centralDifferences(x) { loss(parameters: naive.parameters, input: $0, initialState: h0) }
        let expectedInitialState = centralDifferences(h0) {
            loss(parameters: naive.parameters, input: x, initialState: $0)
        }

        expectApproximatelyEqual(
            gradients.parameters.values, expectedParameters, absoluteTolerance: 1e-5,
            relativeTolerance: 1e-4, "parameter gradients")
        expectApproximatelyEqual(
            gradients.input.scalars, expectedInput, absoluteTolerance: 1e-5, relativeTolerance: 1e-4,
            "input gradient")
        expectApproximatelyEqual(
            gradients.initialState.scalars, expectedInitialState, absoluteTolerance: 1e-5,
            relativeTolerance: 1e-4, "initial state gradient")
    }

    /// Recurrent dropout on the paths shared across threads, in part counts forced so that any
    /// machine runs them: 2 rows of one direction split by hidden units in 3 parts (a barrier
    /// every step, each thread masking its own units of the next state), 17 rows of two
    /// directions split by rows in 2. Too large for a full finite-difference check, so the output is checked against
    /// the Double twin and each gradient along a random direction v against the twin's central
    /// difference (L(p + e v) - L(p - e v)) / 2e, v of unit length.
    @Test(
        arguments: GRUVariant.allCases.flatMap { variant in
            [(2, false, 3), (17, true, 2)].map { (variant, $0.0, $0.1, $0.2) }
        })
    func recurrentDropoutSharedAcrossThreadsMatchesDirectionalDerivatives(
        variant: GRUVariant, batch: Int, bidirectional: Bool, parts: Int
    ) throws {
        let steps = 4, inputSize = 3, hidden = 136
        let configuration = GRUConfiguration(
            inputSize: inputSize, hiddenSize: hidden, isBidirectional: bidirectional, variant: variant)
        let gru = GRU(configuration: configuration, initialization: .pytorch, seed: 7)
        var random = RandomData(seed: 13)
        let input = random.tensor([steps, batch, inputSize])
        let initialState = random.tensor([configuration.stateCount, batch, hidden])
        let outputGradient = random.tensor([steps, batch, configuration.outputSize])
        let lengths = (0..<batch).map { steps - $0 % 3 }
        let (result, gradients) = try ThreadTeam.withParts(parts) {
            #expect(ThreadTeam.defaultParts == parts)
            let result = try gru.forward(
                input, initialState: initialState, lengths: lengths,
                dropout: GRUDropout(recurrent: 0.3, seed: UInt64(batch)))
            return (result, try gru.backward(result, outputGradient: outputGradient))
        }

        let naive = NaiveGRU(gru.parameters, masksOf: result.trace)
        let x = input.scalars.map(Double.init), h0 = initialState.scalars.map(Double.init)
        let dY = outputGradient.scalars.map(Double.init)
        let (output, _) = naive.forward(input: x, steps: steps, batch: batch, initialState: h0, lengths: lengths)
        expectApproximatelyEqual(result.output.scalars, output, absoluteTolerance: 1e-5, "output")

        func loss(parameters: [Double], input: [Double], initialState: [Double]) -> Double {
            var perturbed = naive
            perturbed.parameters = parameters
            let (y, _) = perturbed.forward(
                input: input, steps: steps, batch: batch, initialState: initialState, lengths: lengths)
            return zip(y, dY).map(*).reduce(0, +)
        }
        /// (L(p + e v) - L(p - e v)) / 2e against gradient . v.
        func check(_ point: [Double], _ gradient: [Float], _ name: String, _ loss: ([Double]) -> Double) {
            let raw = random.tensor([point.count]).scalars.map(Double.init)
            let norm = raw.map { $0 * $0 }.reduce(0, +).squareRoot()
            let direction = raw.map { $0 / norm }, e = 1e-4
            let expected =
                (loss(zip(point, direction).map { $0 + e * $1 })
                    - loss(zip(point, direction).map { $0 - e * $1 })) / (2 * e)
            let actual = zip(gradient, direction).map { Double($0) * $1 }.reduce(0, +)
            expectApproximatelyEqual(
                actual, expected, absoluteTolerance: 1e-5, relativeTolerance: 1e-4,
                "\(name): gradient . v against the central difference")
        }
        check(naive.parameters, gradients.parameters.values, "parameters") {
            loss(parameters: $0, input: x, initialState: h0)
        }
        check(x, gradients.input.scalars, "input") { loss(parameters: naive.parameters, input: $0, initialState: h0) }
        check(h0, gradients.initialState.scalars, "initial state") {
            loss(parameters: naive.parameters, input: x, initialState: $0)
        }
    }

    @Test(arguments: cases)
    func forwardMatchesNaiveTwin(_ testCase: Case) throws {
        let steps = 5, batch = 3, inputSize = 2, hidden = 3
        let configuration = testCase.configuration(inputSize: inputSize, hiddenSize: hidden)
        let gru = GRU(configuration: configuration, initialization: .keras, seed: 3)
        var random = RandomData(seed: 5)
        let input = random.tensor([steps, batch, inputSize], scale: 2)
        let initialState = testCase.initialState ? random.tensor([configuration.stateCount, batch, hidden]) : nil
        let lengths = testCase.lengths.map { $0.map { min($0 + 1, steps) } }
        let result = try gru.forward(input, initialState: initialState, lengths: lengths, dropout: testCase.dropout)
        let naive = NaiveGRU(gru.parameters, masksOf: result.trace)
        let (output, finalState) = naive.forward(
            input: input.scalars.map(Double.init), steps: steps, batch: batch,
            initialState: initialState?.scalars.map(Double.init), lengths: lengths)
        expectApproximatelyEqual(result.output.scalars, output, absoluteTolerance: 1e-6, "output")
        expectApproximatelyEqual(result.finalState.scalars, finalState, absoluteTolerance: 1e-6, "final state")
    }
}

/// The gradient of `function` at `point` by central differences with step 1e-6.
func centralDifferences(_ point: [Double], _ function: ([Double]) -> Double) -> [Double] {
    let epsilon = 1e-6
    var values = point
    return point.indices.map { i in
        values[i] = point[i] + epsilon
        let plus = function(values)
        values[i] = point[i] - epsilon
        let minus = function(values)
        values[i] = point[i]
        return (plus - minus) / (2 * epsilon)
    }
}

extension NaiveGRU {
    /// The twin of a GRU with the dropout masks a fast forward pass drew.
    init(_ parameters: GRUParameters, masksOf trace: RecurrentTrace) {
        self.init(parameters)
        betweenLayerMasks = trace.betweenLayerMasks.map { $0?.array().map(Double.init) }
        recurrentMasks = trace.directions.map { $0.map { $0.recurrentMask?.array().map(Double.init) } }
    }
}
