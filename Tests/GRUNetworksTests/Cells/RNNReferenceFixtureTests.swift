import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// `RNNLayer` against the reference fixtures in Tests/Fixtures/rnn, made by
/// Tools/Reference/make_rnn_fixtures.py: torch.nn.RNN (tanh and relu) forward in float64 and
/// autograd's gradients of every weight, the input and the initial state.
///
/// Tolerances, per element: forward within 1e-5 absolute; each gradient element within 1e-4
/// of its own magnitude, or 1e-6 absolute where it is near zero.
@Suite(.tags(.reference))
struct RNNReferenceTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/rnn")

    static let fixtureNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") }.sorted()
    }()

    @Test func theCasesArePresent() {
        // make_rnn_fixtures.py's CASES.
        #expect(Self.fixtureNames.count == 7)
    }

    @Test(arguments: fixtureNames)
    func matchesReference(_ name: String) throws {
        let file = try SafetensorsFile.read(contentsOf: Self.directory.appendingPathComponent(name))
        let input = try file.require("input")
        let layout: SequenceLayout = file.metadata["batch_first"] == "true" ? .batchFirst : .timeMajor
        let configuration = RNNConfiguration(
            inputSize: input.shape[2], hiddenSize: try file.require("weight_hh_l0").shape[1],
            layerCount: Int(file.metadata["num_layers"] ?? "") ?? 0,
            isBidirectional: file.metadata["bidirectional"] == "true", hasBias: file.metadata["bias"] == "true",
            nonlinearity: try RNNNonlinearity(parsing: file.metadata["nonlinearity"] ?? ""))
        let layer = RNNLayer(configuration)
        var weights = [Float](repeating: 0, count: layer.layout.count)
        for slot in layer.layout.slots {
            let tensor = try file.require(slot.name)
            #expect(tensor.shape == slot.shape, "\(slot.name)")
            weights.replaceSubrange(slot.range, with: tensor.scalars)
        }

        let lengths = file["lengths"].map { $0.scalars.map { Int($0) } }
        let result = try weights.withUnsafeBufferPointer {
            try layer.forward(
                input, initialState: file["initial_state"], lengths: lengths, layout: layout, weights: $0)
        }
        expectApproximatelyEqual(result.output, try file.require("output"), absoluteTolerance: 1e-5, "output")
        expectApproximatelyEqual(
            result.finalState, try file.require("final_state"), absoluteTolerance: 1e-5, "final state")

        var gradients = [Float](repeating: 0, count: layer.layout.count)
        let stateGradients = try weights.withUnsafeBufferPointer { weights in
            try gradients.withUnsafeMutableBufferPointer {
                try layer.backward(
                    result, outputGradient: try file.require("grad_output"),
                    finalStateGradient: try file.require("grad_final_state"), weights: weights, gradients: $0)
            }
        }
        func expectGradient(_ actual: Tensor, _ key: String) throws {
            expectApproximatelyEqual(
                actual, try file.require("grad." + key), absoluteTolerance: 1e-6, relativeTolerance: 1e-4,
                "gradient of \(key)")
        }
        try expectGradient(stateGradients.input, "input")
        try expectGradient(stateGradients.initialState, "initial_state")
        for slot in layer.layout.slots {
            try expectGradient(Tensor(shape: slot.shape, scalars: Array(gradients[slot.range])), slot.name)
        }
    }
}
