import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// GRUKit's LSTM against torch.nn.LSTM, from the fixtures in Tests/Fixtures/lstm made by
/// Tools/Reference/make_lstm_fixtures.py: outputs, h_n, c_n and autograd gradients of every
/// weight, the input, h0 and c0 for loss = sum(output * dY) + sum(h_n * dh_n) + sum(c_n * dc_n).
///
/// Tolerances, per element: forward within 1e-5 absolute; each gradient element within 1e-4
/// of its own magnitude, or 1e-6 absolute where it is near zero.
@Suite(.tags(.reference))
struct LSTMReferenceTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/lstm")

    static let fixtureNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") && !$0.hasPrefix("onnx_") }.sorted()
    }()

    @Test func theCasesArePresent() {
        // make_lstm_fixtures.py's CASES.
        #expect(Self.fixtureNames.count == 5)
    }

    @Test(arguments: fixtureNames)
    func matchesPyTorch(_ name: String) throws {
        let file = try SafetensorsFile.read(contentsOf: Self.directory.appendingPathComponent(name))
        func setting(_ key: String) throws -> String { try #require(file.metadata[key], "metadata \(key)") }
        let configuration = LSTMConfiguration(
            inputSize: try #require(Int(try setting("input_size"))),
            hiddenSize: try #require(Int(try setting("hidden_size"))),
            layerCount: try #require(Int(try setting("num_layers"))),
            isBidirectional: try setting("bidirectional") == "true", hasBias: try setting("bias") == "true")
        let layout: SequenceLayout = try setting("batch_first") == "true" ? .batchFirst : .timeMajor
        let layer = LSTMLayer(configuration)
        var tensors: [String: Tensor] = [:]
        for tensorName in file.names { tensors[tensorName] = file[tensorName] }
        let weights = try layer.flatWeights(from: tensors)
        let lengths = file["lengths"].map { $0.scalars.map { Int($0) } }

        var gradients = [Float](repeating: 0, count: layer.layout.count)
        let (result, stateGradients) = try weights.withUnsafeBufferPointer { weights in
            let result = try layer.forward(
                try file.require("input"), initialState: file["initial_state"],
                initialCellState: file["initial_cell_state"], lengths: lengths, layout: layout, weights: weights)
            let stateGradients = try gradients.withUnsafeMutableBufferPointer {
                try layer.backward(
                    result, outputGradient: try file.require("grad_output"),
                    finalStateGradient: try file.require("grad_final_state"),
                    finalCellStateGradient: try file.require("grad_final_cell_state"), weights: weights,
                    gradients: $0)
            }
            return (result, stateGradients)
        }
        expectApproximatelyEqual(result.output, try file.require("output"), absoluteTolerance: 1e-5, "output")
        expectApproximatelyEqual(
            result.finalState, try file.require("final_state"), absoluteTolerance: 1e-5, "final state")
        expectApproximatelyEqual(
            try #require(result.finalCellState), try file.require("final_cell_state"), absoluteTolerance: 1e-5,
            "final cell state")

        func expectGradient(_ actual: Tensor, _ key: String) throws {
            expectApproximatelyEqual(
                actual, try file.require("grad." + key), absoluteTolerance: 1e-6, relativeTolerance: 1e-4,
                "gradient of \(key)")
        }
        try expectGradient(stateGradients.input, "input")
        if file["initial_state"] != nil {
            try expectGradient(stateGradients.initialState, "initial_state")
            try expectGradient(try #require(stateGradients.initialCellState), "initial_cell_state")
        }
        for (weightName, gradient) in layer.namedTensors(of: gradients) {
            try expectGradient(gradient, weightName)
        }
    }
}
