import Foundation
import GRUNetworks
import GRUTestSupport
import Testing

/// `RecurrentActivation`'s values against their definitions, its derivatives (from the
/// output) against central differences, and its names and parse.
@Suite(.tags(.unit))
struct RecurrentActivationTests {
    /// Points away from every kink (relu's 0, hard_sigmoid's -3 and 3).
    static let points: [Float] = [-4.2, -2.6, -1.3, -0.4, 0.2, 0.9, 1.7, 2.8, 3.6]

    @Test(arguments: RecurrentActivation.allCases)
    func derivativeMatchesFiniteDifferences(_ activation: RecurrentActivation) {
        let epsilon: Float = 1e-3
        let differences = Self.points.map { (activation($0 + epsilon) - activation($0 - epsilon)) / (2 * epsilon) }
        let derivatives = Self.points.map { activation.derivative(output: activation($0)) }
        expectApproximatelyEqual(derivatives, differences, absoluteTolerance: 1e-3, "\(activation) derivative")
    }

    @Test func valuesMatchTheirDefinitions() {
        let x = Self.points
        expectApproximatelyEqual(
            x.map { RecurrentActivation.tanh($0) }, x.map { Foundation.tanh($0) }, absoluteTolerance: 0)
        expectApproximatelyEqual(x.map { RecurrentActivation.relu($0) }, x.map { max($0, 0) }, absoluteTolerance: 0)
        expectApproximatelyEqual(
            x.map { RecurrentActivation.sigmoid($0) }, x.map { 1 / (1 + Foundation.exp(-Double($0))) },
            absoluteTolerance: 1e-7)
        // Keras 3: relu6(x + 3) / 6.
        expectApproximatelyEqual(
            x.map { RecurrentActivation.hardSigmoid($0) }, x.map { min(max(Double($0) + 3, 0), 6) / 6 },
            absoluteTolerance: 1e-7)
        expectApproximatelyEqual(x.map { RecurrentActivation.linear($0) }, x, absoluteTolerance: 0)
    }

    @Test func kinksTakeAutogradsDerivative() {
        #expect(RecurrentActivation.relu.derivative(output: RecurrentActivation.relu(0)) == 0)
        #expect(RecurrentActivation.hardSigmoid.derivative(output: RecurrentActivation.hardSigmoid(-3)) == 0)
        #expect(RecurrentActivation.hardSigmoid.derivative(output: RecurrentActivation.hardSigmoid(3)) == 0)
        #expect(RecurrentActivation.hardSigmoid.derivative(output: Double(0.5)) == 1.0 / 6)
    }

    @Test func parsesKerasAndONNXNames() throws {
        for activation in RecurrentActivation.allCases {
            #expect(try RecurrentActivation(parsing: activation.kerasName) == activation)
            #expect(try RecurrentActivation(parsing: activation.onnxName) == activation)
        }
        #expect(RecurrentActivation.hardSigmoid.kerasName == "hard_sigmoid")
        #expect(RecurrentActivation.hardSigmoid.onnxName == "HardSigmoid")
        #expect(RecurrentActivation.hardSigmoid.onnxAlphaBeta?.alpha == Float(1) / 6)
        #expect(try RNNNonlinearity(parsing: "relu") == .relu)
    }

    @Test func rejectsUnknownNames() {
        expectInputError(
            message:
                "--activation: 'softsign'; expected one of tanh, relu, sigmoid, hard_sigmoid, linear"
        ) {
            _ = try RecurrentActivation(parsing: "softsign", setting: "--activation")
        }
        expectInputError(["nonlinearity", "'sigmoid'", "tanh, relu"]) {
            _ = try RNNNonlinearity(parsing: "sigmoid")
        }
    }
}

/// `RecurrentActivation` against Keras 3's activations (jax backend), in
/// Tests/Fixtures/activations/keras_activations.json, made by
/// Tools/Reference/make_activation_fixtures.py; hard_sigmoid's kinks at -3 and 3 included.
@Suite(.tags(.reference))
struct KerasActivationReferenceTests {
    struct Fixture: Decodable {
        let keras: String
        let inputs: [Float]
        let outputs: [String: [Float]]
    }

    @Test func matchesKeras() throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/activations/keras_activations.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        #expect(fixture.keras.hasPrefix("3."))
        for activation in RecurrentActivation.allCases {
            let expected = try #require(fixture.outputs[activation.kerasName])
            expectApproximatelyEqual(
                fixture.inputs.map { activation($0) }, expected, absoluteTolerance: 1e-6, activation.kerasName)
        }
    }
}
