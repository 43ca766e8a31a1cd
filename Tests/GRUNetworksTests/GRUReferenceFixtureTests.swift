import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// GRUKit against the reference fixtures in Tests/Fixtures/gru, made by
/// Tools/Reference/make_gru_fixtures.py: forward outputs from onnxruntime's GRU operator,
/// gradients from autograd through a float64 PyTorch GRU (checked there against torch.nn.GRU).
///
/// Tolerances, per element: forward within 1e-5 absolute; each gradient element within 1e-4
/// of its own magnitude, or 1e-6 absolute where it is near zero.
@Suite(.tags(.reference))
struct GRUReferenceTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/gru")

    static let fixtureNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") }.sorted()
    }()

    /// The data and gradient tensors; every other tensor in a fixture is a weight.
    static let nonWeightNames: Set<String> = [
        "input", "initial_state", "lengths", "output", "final_state", "grad_output", "grad_final_state",
    ]

    @Test func theGridIsPresent() {
        // The grid of make_gru_fixtures.py's grid_cases(): 2 variants x 3 layer counts x
        // 2 directions x 2 layouts x 2 states x 2 lengths x 2 biases = 192.
        #expect(Self.fixtureNames.filter { !$0.hasPrefix("edge_") }.count == 192)
        // Its edge_cases(): 5 cases for each of the 2 variants = 10, named edge_*.
        #expect(Self.fixtureNames.filter { $0.hasPrefix("edge_") }.count == 10)
        #expect(Self.fixtureNames.count == 192 + 10)
    }

    @Test(arguments: fixtureNames)
    func matchesReference(_ name: String) throws {
        let file = try SafetensorsFile.read(contentsOf: Self.directory.appendingPathComponent(name))
        let variant = try #require(GRUVariant(rawValue: file.metadata["variant"] ?? ""))
        let layout: SequenceLayout = file.metadata["batch_first"] == "true" ? .batchFirst : .timeMajor
        var weights: [String: Tensor] = [:]
        for tensorName in file.names where !Self.nonWeightNames.contains(tensorName) && !tensorName.hasPrefix("grad.") {
            weights[tensorName] = file[tensorName]
        }
        let gru = GRU(parameters: try PyTorchGRUNames.parameters(from: weights, variant: variant))
        #expect(gru.configuration.layerCount == Int(file.metadata["num_layers"] ?? ""))
        #expect(gru.configuration.isBidirectional == (file.metadata["bidirectional"] == "true"))
        #expect(gru.configuration.hasBias == (file.metadata["bias"] == "true"))

        let lengths = file["lengths"].map { $0.scalars.map { Int($0) } }
        let result = try gru.forward(
            try file.require("input"), initialState: file["initial_state"], lengths: lengths, layout: layout)
        expectApproximatelyEqual(result.output, try file.require("output"), absoluteTolerance: 1e-5, "output")
        expectApproximatelyEqual(
            result.finalState, try file.require("final_state"), absoluteTolerance: 1e-5, "final state")

        let gradients = try gru.backward(
            result, outputGradient: try file.require("grad_output"),
            finalStateGradient: try file.require("grad_final_state"))
        func expectGradient(_ actual: Tensor, _ key: String) throws {
            expectApproximatelyEqual(
                actual, try file.require("grad." + key), absoluteTolerance: 1e-6, relativeTolerance: 1e-4,
                "gradient of \(key)")
        }
        try expectGradient(gradients.input, "input")
        try expectGradient(gradients.initialState, "initial_state")
        for (weightName, gradient) in PyTorchGRUNames.namedTensors(of: gradients.parameters) {
            try expectGradient(gradient, weightName)
        }
    }
}
