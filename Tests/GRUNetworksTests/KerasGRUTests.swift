import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// KerasGRU's mapping: GRUKit -> Keras -> GRUKit keeps every weight bit (reset-after) or the
/// outputs (reset-before, whose one Keras bias is b_ih + b_hh); what Keras files hold that a
/// GRU stack cannot is a one-line `FormatError` naming the file and the layer or dataset.
@Suite(.tags(.unit))
struct KerasGRUTests {
    static func randomParameters(_ configuration: GRUConfiguration, seed: UInt64) -> GRUParameters {
        var parameters = GRUParameters(zerosFor: configuration)
        var random = RandomData(seed: seed)
        parameters.values = random.tensor([parameters.values.count], scale: 0.5).scalars
        return parameters
    }

    @Test(arguments: [
        GRUConfiguration(inputSize: 3, hiddenSize: 4),
        GRUConfiguration(inputSize: 2, hiddenSize: 3, layerCount: 3, isBidirectional: true),
        GRUConfiguration(inputSize: 5, hiddenSize: 2, layerCount: 2, hasBias: false),
    ])
    func resetAfterRoundTripIsBitIdentical(_ configuration: GRUConfiguration) throws {
        let parameters = Self.randomParameters(configuration, seed: 5)
        let archive = try KerasArchive(data: try KerasGRU.archive(of: parameters).data(), name: "m.keras")
        let fromArchive = try KerasGRU.parameters(from: archive, name: "m.keras")
        #expect(fromArchive.parameters == parameters)
        #expect(fromArchive.ignoredLayers.isEmpty)
        let bare = try KerasWeightsFile(data: KerasGRU.weightsFile(of: parameters).data(), name: "m.weights.h5")
        #expect(try KerasGRU.parameters(from: bare, name: "m.weights.h5").parameters == parameters)
    }

    /// Keras's reset-before bias b is b_ih + b_hh; it comes back as b_ih, computing the same.
    @Test func resetBeforeSumsTheBiasesAndKeepsTheOutputs() throws {
        let configuration = GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2, variant: .resetBefore)
        let parameters = Self.randomParameters(configuration, seed: 9)
        let back = try KerasGRU.parameters(from: KerasGRU.archive(of: parameters), name: "m.keras").parameters
        for layer in 0..<2 {
            let slot = parameters.slot(.inputBias, layer: layer, direction: 0)!
            let recurrent = parameters.slot(.recurrentBias, layer: layer, direction: 0)!
            let sum = zip(parameters.values[slot.range], parameters.values[recurrent.range]).map { $0 + $1 }
            #expect(Array(back.values[slot.range]) == sum)
            #expect(back.values[recurrent.range].allSatisfy { $0 == 0 })
        }
        var random = RandomData(seed: 2)
        let input = random.tensor([5, 2, 3])
        expectApproximatelyEqual(
            try GRU(parameters: back).forward(input).output, try GRU(parameters: parameters).forward(input).output,
            absoluteTolerance: 1e-6, "output")
    }

    static func expectOneLine(
        _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
    ) {
        do {
            try body()
            Issue.record("expected an error containing \(fragments)", sourceLocation: sourceLocation)
        } catch {
            let message = "\(error)"
            #expect(!message.contains("\n"), "\(message)", sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(message.contains(fragment), "\(message)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func misshapenOrMissingWeightsAreOneLine() throws {
        let parameters = Self.randomParameters(GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2), seed: 1)
        var file = KerasGRU.weightsFile(of: parameters)
        file.tensors["layers/gru_1/cell/vars/0"] = Tensor(shape: [3, 12], repeating: 0)
        Self.expectOneLine(["m.weights.h5: 'layers/gru_1/cell/vars/0' has shape [3, 12]; expected [4, 12] as layer 1"])
        {
            _ = try KerasGRU.parameters(from: file, name: "m.weights.h5")
        }
        file.tensors["layers/gru_1/cell/vars/0"] = nil
        Self.expectOneLine(["'layers/gru_1/cell/vars/0' is missing"]) {
            _ = try KerasGRU.parameters(from: file, name: "m.weights.h5")
        }
        Self.expectOneLine(["m.weights.h5: holds no GRU layer"]) {
            _ = try KerasGRU.parameters(
                from: KerasWeightsFile(tensors: ["layers/dense/vars/0": Tensor(shape: [1], repeating: 1)]),
                name: "m.weights.h5")
        }
    }

    /// A last layer returning only its final states is read, and named, so that convert can say
    /// that Keras's output is GRUKit's final state; layers that return sequences are not.
    @Test func aLastLayerWithoutSequencesIsNamed() throws {
        let parameters = Self.randomParameters(
            GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2, isBidirectional: true), seed: 2)
        var archive = try KerasGRU.archive(of: parameters)
        #expect(try KerasGRU.parameters(from: archive, name: "m.keras").finalStatesOnlyLayer == nil)
        let config = String(decoding: archive.config, as: UTF8.self)
        let last = try #require(config.range(of: "\"return_sequences\":true", options: .backwards))
        archive.config = Data(config.replacingCharacters(in: last, with: "\"return_sequences\":false").utf8)
        let imported = try KerasGRU.parameters(from: archive, name: "m.keras")
        #expect(imported.parameters == parameters)
        #expect(imported.finalStatesOnlyLayer == "bidirectional_1")
    }

    @Test func configsGRUKitDoesNotComputeAreOneLine() throws {
        let parameters = Self.randomParameters(GRUConfiguration(inputSize: 3, hiddenSize: 4), seed: 1)
        var archive = try KerasGRU.archive(of: parameters)
        func withConfig(_ change: (String) -> String) -> KerasArchive {
            var changed = archive
            changed.config = Data(change(String(decoding: archive.config, as: UTF8.self)).utf8)
            return changed
        }
        archive = withConfig { $0.replacingOccurrences(of: "\"go_backwards\":false", with: "\"go_backwards\":true") }
        Self.expectOneLine([
            "m.keras: config.json: layer 'gru' has go_backwards true", "only inside a bidirectional layer",
        ]) {
            _ = try KerasGRU.parameters(from: archive, name: "m.keras")
        }
        archive = withConfig {
            $0.replacingOccurrences(of: "\"go_backwards\":true", with: "\"go_backwards\":false")
                .replacingOccurrences(of: "\"activation\":\"tanh\"", with: "\"activation\":\"softsign\"")
        }
        Self.expectOneLine(["layer 'gru': 'activation' is softsign; expected one of tanh, relu, sigmoid, hard_sigmoid"])
        {
            _ = try KerasGRU.parameters(from: archive, name: "m.keras")
        }
        Self.expectOneLine(["m.keras: config.json: is not a Keras model's config"]) {
            _ = try KerasGRU.parameters(
                from: KerasArchive(config: Data("[]".utf8), metadata: Data(), weights: archive.weights), name: "m.keras"
            )
        }
    }
}
