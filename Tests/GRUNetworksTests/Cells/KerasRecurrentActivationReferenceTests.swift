import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// The GRU's and LSTM's activations against Keras 3: the fixtures in
/// Tests/Fixtures/keras-activations, made by Tools/Reference/make_keras_activation_fixtures.py,
/// run Keras's own `keras.layers.GRU` (reset_after true and false) and `keras.layers.LSTM`
/// (float64) with `activation` and `recurrent_activation` other than tanh and sigmoid, and hold
/// the outputs, final states and jax.grad's gradients of sum(output * grad_output) +
/// sum(final_state * grad_final_state) (+ sum(final_cell_state * grad_final_cell_state)), in
/// PyTorch layout.
///
/// Tolerances: forward within 1e-5 absolute; each gradient within 1e-4 of its own magnitude,
/// or 1e-6 absolute where it is near zero (GRUKit computes in float32, the reference in float64).
@Suite(.tags(.reference))
struct KerasRecurrentActivationReferenceTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/keras-activations")

    static let fixtureNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") }.sorted()
    }()

    @Test func everyCaseIsPresent() {
        // make_keras_activation_fixtures.py's CASES.
        #expect(
            Self.fixtureNames == [
                "gru_ra_relu_hard_sigmoid.safetensors", "gru_ra_tanh_hard_sigmoid.safetensors",
                "gru_rb_linear_sigmoid.safetensors", "gru_rb_relu_hard_sigmoid.safetensors",
                "lstm_linear_sigmoid.safetensors", "lstm_relu_hard_sigmoid.safetensors",
            ])
    }

    @Test(arguments: fixtureNames)
    func matchesKeras(_ name: String) throws {
        let file = try SafetensorsFile.read(contentsOf: Self.directory.appendingPathComponent(name))
        func setting(_ key: String) throws -> String { try #require(file.metadata[key], "metadata \(key)") }
        let activation = try RecurrentActivation(parsing: try setting("activation"))
        let recurrentActivation = try RecurrentActivation(parsing: try setting("recurrent_activation"))
        let input = try file.require("input"), hidden = try file.require("initial_state").shape[2]
        if try setting("model") == "gru" {
            let variant = try #require(GRUVariant(rawValue: try setting("variant")))
            let configuration = GRUConfiguration(
                inputSize: input.shape[2], hiddenSize: hidden, variant: variant, activation: activation,
                recurrentActivation: recurrentActivation)
            #expect(!GRUCell(configuration).usesFusedKernels)
            try Self.check(GRULayer(configuration), file, name)
        } else {
            let configuration = LSTMConfiguration(
                inputSize: input.shape[2], hiddenSize: hidden, activation: activation,
                recurrentActivation: recurrentActivation)
            #expect(!LSTMCell(configuration).usesFusedKernels)
            try Self.check(LSTMLayer(configuration), file, name)
        }
    }

    /// Forward and backward of `layer` over the fixture's weights, against its outputs and gradients.
    static func check<Cell: RecurrentCell>(_ layer: RecurrentLayer<Cell>, _ file: SafetensorsFile, _ name: String)
        throws
    {
        var tensors: [String: Tensor] = [:]
        for tensorName in file.names where tensorName.contains("_l0") && !tensorName.hasPrefix("grad.") {
            tensors[tensorName] = file[tensorName]
        }
        let weights = try layer.flatWeights(from: tensors)
        var gradients = [Float](repeating: 0, count: layer.layout.count)
        let (result, stateGradients) = try weights.withUnsafeBufferPointer { weights in
            let result = try layer.forward(
                try file.require("input"), initialState: file["initial_state"],
                initialCellState: file["initial_cell_state"], weights: weights)
            let stateGradients = try gradients.withUnsafeMutableBufferPointer {
                try layer.backward(
                    result, outputGradient: try file.require("grad_output"),
                    finalStateGradient: try file.require("grad_final_state"),
                    finalCellStateGradient: file["grad_final_cell_state"], weights: weights, gradients: $0)
            }
            return (result, stateGradients)
        }
        expectApproximatelyEqual(result.output, try file.require("output"), absoluteTolerance: 1e-5, "\(name) output")
        expectApproximatelyEqual(
            result.finalState, try file.require("final_state"), absoluteTolerance: 1e-5, "\(name) final state")
        if let finalCellState = file["final_cell_state"] {
            expectApproximatelyEqual(
                try #require(result.finalCellState), finalCellState, absoluteTolerance: 1e-5, "\(name) final cell state"
            )
        }
        func expectGradient(_ actual: Tensor, _ key: String) throws {
            expectApproximatelyEqual(
                actual, try file.require("grad." + key), absoluteTolerance: 1e-6, relativeTolerance: 1e-4,
                "\(name) gradient of \(key)")
        }
        try expectGradient(stateGradients.input, "input")
        try expectGradient(stateGradients.initialState, "initial_state")
        if file["initial_cell_state"] != nil {
            try expectGradient(try #require(stateGradients.initialCellState), "initial_cell_state")
        }
        for (weightName, gradient) in layer.namedTensors(of: gradients) {
            try expectGradient(gradient, weightName)
        }
    }
}
