import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// Keras 3 models against Keras's own outputs, made by Tools/Reference/make_keras_fixtures.py
/// in Tests/Fixtures/keras: each model saved as NAME.keras and NAME.weights.h5, and in
/// NAME.safetensors a fixed `input` (T, B, I) of its GRU stack and Keras's `output` (T, B, D·H),
/// which `GRU.forward` on the imported weights matches within 1e-5 per element.
@Suite(.tags(.reference))
struct KerasGRUReferenceTests {
    static let fixtureDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/keras")

    static let fixtureNames = [
        "reset_after", "reset_before", "stacked_no_bias", "bidirectional", "embedding_dense", "trained_adam",
    ]

    /// What each fixture's stack is: layers, directions, bias, variant.
    static let expectedConfigurations: [String: GRUConfiguration] = [
        "reset_after": GRUConfiguration(inputSize: 3, hiddenSize: 5),
        "reset_before": GRUConfiguration(inputSize: 3, hiddenSize: 5, variant: .resetBefore),
        "stacked_no_bias": GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2, hasBias: false),
        "bidirectional": GRUConfiguration(inputSize: 3, hiddenSize: 3, layerCount: 2, isBidirectional: true),
        "embedding_dense": GRUConfiguration(inputSize: 3, hiddenSize: 4, variant: .resetBefore),
        // Compiled and fitted: its files also hold Adam's state, an int32 iteration count among it.
        "trained_adam": GRUConfiguration(inputSize: 3, hiddenSize: 5),
    ]

    static func expectKerasOutput(
        _ parameters: GRUParameters, _ name: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(parameters.configuration == expectedConfigurations[name], sourceLocation: sourceLocation)
        let expected = try SafetensorsFile.read(
            contentsOf: fixtureDirectory.appendingPathComponent(name + ".safetensors"))
        let result = try GRU(parameters: parameters).forward(try expected.require("input"))
        expectApproximatelyEqual(
            result.output, try expected.require("output"), absoluteTolerance: 1e-5, "output",
            sourceLocation: sourceLocation)
    }

    @Test(arguments: fixtureNames)
    func kerasArchiveMatchesKeras(_ name: String) throws {
        let url = Self.fixtureDirectory.appendingPathComponent(name + ".keras")
        let imported = try KerasGRU.parameters(from: KerasArchive.read(contentsOf: url), name: name + ".keras")
        try Self.expectKerasOutput(imported.parameters, name)
        #expect(
            imported.ignoredLayers
                == (name == "embedding_dense" ? ["embedding (Embedding)", "dropout (Dropout)", "dense (Dense)"] : []))
    }

    @Test(arguments: fixtureNames)
    func bareWeightsFileMatchesKeras(_ name: String) throws {
        let url = Self.fixtureDirectory.appendingPathComponent(name + ".weights.h5")
        let imported = try KerasGRU.parameters(from: KerasWeightsFile.read(contentsOf: url), name: name + ".weights.h5")
        try Self.expectKerasOutput(imported.parameters, name)
        #expect(imported.ignoredLayers == (name == "embedding_dense" ? ["layers/dense", "layers/embedding"] : []))
    }

    /// Export writes the datasets Keras writes, at the same paths, with the same values.
    @Test func exportWritesKerasPaths() throws {
        let url = Self.fixtureDirectory.appendingPathComponent("bidirectional.weights.h5")
        let keras = try KerasWeightsFile.read(contentsOf: url)
        let exported = KerasGRU.weightsFile(
            of: try KerasGRU.parameters(from: keras, name: "bidirectional.weights.h5").parameters)
        #expect(exported.tensors.keys.sorted() == keras.tensors.keys.sorted())
        for (path, tensor) in keras.tensors { #expect(exported.tensors[path] == tensor, "\(path)") }
    }

    @Test func integerDatasetIsOneLine() throws {
        let url = Self.fixtureDirectory.appendingPathComponent("malformed_int_dataset.weights.h5")
        #expect {
            try KerasWeightsFile.read(contentsOf: url)
        } throws: { error in
            let message = "\(error)"
            return message.contains("malformed_int_dataset.weights.h5") && message.contains("layers/gru/cell/vars/1")
                && message.contains("integer (32-bit)") && message.contains("expected float32")
                && !message.contains("\n")
        }
    }
}
