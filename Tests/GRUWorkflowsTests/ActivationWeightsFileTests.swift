import Foundation
import GRUFormats
import GRUNetworks
import GRUTestSupport
import GRUWorkflows
import Testing

/// A GRU's activations survive the files `gru convert` moves it through: safetensors keeps them
/// in its metadata (and writes none for tanh and sigmoid), a .keras archive in its config.json;
/// an unknown name in the metadata is a one-line error naming the file.
@Suite(.tags(.unit))
struct ActivationWeightsFileTests {
    static let configuration = GRUConfiguration(
        inputSize: 3, hiddenSize: 4, layerCount: 2, isBidirectional: true, variant: .resetBefore,
        activation: .relu, recurrentActivation: .hardSigmoid)

    @Test func safetensorsKeepsTheActivations() throws {
        let directory = try WorkflowDirectory()
        let gru = GRU(configuration: Self.configuration, seed: 4)
        let url = directory.url.appendingPathComponent("gru.safetensors")
        try gru.save(to: url)
        #expect(try GRU.load(contentsOf: url).parameters == gru.parameters)
        let plain = GRU(configuration: GRUConfiguration(inputSize: 3, hiddenSize: 4), seed: 4)
        try plain.save(to: url)
        #expect(try SafetensorsFile.read(contentsOf: url).metadata.keys.sorted() == ["variant"])
        #expect(try GRU.load(contentsOf: url).parameters == plain.parameters)

        let file = SafetensorsFile(
            PyTorchGRUNames.namedTensors(of: plain.parameters), metadata: ["activation": "swish"],
            fileName: "gru.safetensors")
        try file.write(to: url)
        do {
            _ = try GRU.load(contentsOf: url)
            Issue.record("expected an error for activation swish")
        } catch let error as GRUInputError {
            #expect(error.description.contains("gru.safetensors") && error.description.contains("'swish'"))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func aKerasArchiveKeepsTheActivations() throws {
        let gru = GRU(configuration: Self.configuration, seed: 5)
        let archive = try KerasArchive(data: try KerasGRU.archive(of: gru.parameters).data(), name: "m.keras")
        #expect(try KerasGRU.parameters(from: archive, name: "m.keras").parameters.configuration == Self.configuration)
    }
}
