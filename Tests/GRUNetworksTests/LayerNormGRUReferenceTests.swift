import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// `LayerNormGRULayer` against Tests/Fixtures/layer-norm-gru, made by
/// Tools/Reference/make_layer_norm_gru_fixtures.py: Haste's LayerNormGRU written out in float64
/// PyTorch ops (Haste's z, r, n layout, permuted to GRUKit's r, z, n names), with autograd's
/// gradients of every weight, gain, the input and the initial state.
///
/// Tolerances, per element: forward within 1e-5 absolute; gradients within 1e-4 of their own
/// magnitude, or 1e-5 absolute near zero.
@Suite(.tags(.reference))
struct LayerNormGRUReferenceTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/layer-norm-gru")

    static let fixtureNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") }.sorted()
    }()

    @Test func theFixturesArePresent() {
        #expect(Self.fixtureNames.count == 3)
    }

    @Test(arguments: fixtureNames)
    func matchesReference(_ name: String) throws {
        let file = try SafetensorsFile.read(contentsOf: Self.directory.appendingPathComponent(name))
        let input = try file.require("input")
        let configuration = LayerNormGRUConfiguration(
            inputSize: input.shape[2], hiddenSize: try file.require("initial_state").shape[2],
            layerCount: Int(file.metadata["num_layers"] ?? "") ?? 0,
            isBidirectional: file.metadata["bidirectional"] == "true", hasBias: file.metadata["bias"] == "true")
        let layer = LayerNormGRULayer(configuration)
        var weights = [Float](repeating: .nan, count: layer.layout.count)
        for slot in layer.parameterSlots {
            let tensor = try file.require(slot.name)
            #expect(tensor.shape == slot.shape, "\(slot.name)")
            weights.replaceSubrange(slot.range, with: tensor.scalars)
        }
        let lengths = file["lengths"].map { $0.scalars.map { Int($0) } }
        var gradients = [Float](repeating: 0, count: layer.layout.count)
        let (result, stateGradients) = try weights.withUnsafeBufferPointer { weights in
            let result = try layer.forward(
                input, initialState: try file.require("initial_state"), lengths: lengths, weights: weights)
            let stateGradients = try gradients.withUnsafeMutableBufferPointer {
                try layer.backward(
                    result, outputGradient: try file.require("grad_output"),
                    finalStateGradient: try file.require("grad_final_state"), weights: weights, gradients: $0)
            }
            return (result, stateGradients)
        }
        expectApproximatelyEqual(result.output, try file.require("output"), absoluteTolerance: 1e-5, "output")
        expectApproximatelyEqual(
            result.finalState, try file.require("final_state"), absoluteTolerance: 1e-5, "final state")
        func expectGradient(_ actual: Tensor, _ key: String) throws {
            expectApproximatelyEqual(
                actual, try file.require("grad." + key), absoluteTolerance: 1e-5, relativeTolerance: 1e-4,
                "gradient of \(key)")
        }
        try expectGradient(stateGradients.input, "input")
        try expectGradient(stateGradients.initialState, "initial_state")
        for slot in layer.parameterSlots {
            try expectGradient(Tensor(shape: slot.shape, scalars: Array(gradients[slot.range])), slot.name)
        }
    }
}
