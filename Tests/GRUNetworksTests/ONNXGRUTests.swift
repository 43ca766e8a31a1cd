import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// ONNXGRU's mapping: export then import gives back the same weights bit for bit, the gates
/// are reordered to z, r, h, and GRU nodes GRUKit cannot represent are one-line errors naming
/// the node and its op. The GRUKit-written fixtures in Tests/Fixtures/onnx (run by onnxruntime
/// in Tools/Reference/make_onnx_fixtures.py) are what export writes today, byte for byte.
@Suite(.tags(.unit))
struct ONNXGRUTests {
    static let configurations: [GRUConfiguration] = [
        GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2, isBidirectional: true, variant: .resetAfter),
        GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2, isBidirectional: true, variant: .resetBefore),
        GRUConfiguration(inputSize: 5, hiddenSize: 2, layerCount: 1, hasBias: false, variant: .resetAfter),
        GRUConfiguration(inputSize: 2, hiddenSize: 3, layerCount: 3, variant: .resetBefore),
        GRUConfiguration(
            inputSize: 3, hiddenSize: 4, layerCount: 2, isBidirectional: true, variant: .resetBefore,
            activation: .relu, recurrentActivation: .hardSigmoid),
        GRUConfiguration(inputSize: 2, hiddenSize: 3, activation: .linear, recurrentActivation: .sigmoid),
    ]

    @Test(arguments: configurations)
    func exportThenImportIsBitIdentical(_ configuration: GRUConfiguration) throws {
        let gru = GRU(configuration: configuration, seed: 7)
        let model = ONNXGRU.model(of: gru.parameters, takesSequenceLengths: true)
        let decoded = try ONNXModel(decoding: model.encoded(), name: "round-trip.onnx")
        #expect(decoded.nodes.filter { $0.opType == "GRU" }.count == configuration.layerCount)
        #expect(decoded.opsetVersion == 14)
        #expect(decoded.metadata["variant"] == configuration.variant.rawValue)
        let imported = try ONNXGRU.parameters(from: decoded)
        #expect(imported.configuration == configuration)
        #expect(imported.values.map(\.bitPattern) == gru.parameters.values.map(\.bitPattern))
    }

    @Test func gatesAreReorderedToZRH() throws {
        let configuration = GRUConfiguration(inputSize: 1, hiddenSize: 1)
        var parameters = GRUParameters(zerosFor: configuration)
        // PyTorch rows r, z, n: 1, 2, 3 in weight_ih, 4, 5, 6 in weight_hh, 7, 8, 9 and 10, 11, 12 in the biases.
        parameters.values = Array(1...12).map(Float.init)
        let model = ONNXGRU.model(of: parameters)
        #expect(model.initializer(named: "W_l0") == .float(Tensor(shape: [1, 3, 1], scalars: [2, 1, 3])))
        #expect(model.initializer(named: "R_l0") == .float(Tensor(shape: [1, 3, 1], scalars: [5, 4, 6])))
        #expect(model.initializer(named: "B_l0") == .float(Tensor(shape: [1, 6], scalars: [8, 7, 9, 11, 10, 12])))
        let gru = try #require(model.nodes.first)
        #expect(gru.attributes["linear_before_reset"] == .int(1))
        #expect(gru.attributes["direction"] == .string("forward"))
        #expect(gru.attributes["hidden_size"] == .int(1))
    }

    @Test func theVariantIsReadFromTheNode() throws {
        var model = ONNXGRU.model(of: GRU(configuration: .init(inputSize: 2, hiddenSize: 2), seed: 1).parameters)
        model.nodes[0].attributes["linear_before_reset"] = nil  // ONNX's default, 0
        #expect(try ONNXGRU.parameters(from: model).configuration.variant == .resetBefore)
    }

    // MARK: - What import rejects

    static func bidirectionalModel() -> ONNXModel {
        var model = ONNXGRU.model(
            of: GRU(configuration: configurations[0], seed: 3).parameters)
        model.fileName = "stack.onnx"
        return model
    }

    func expectRejection(
        _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation, _ change: (inout ONNXModel) -> Void
    ) {
        var model = Self.bidirectionalModel()
        change(&model)
        do {
            _ = try ONNXGRU.parameters(from: model)
            Issue.record("expected an error containing \(fragments)", sourceLocation: sourceLocation)
        } catch let error as FormatError {
            #expect(error.subject == "stack.onnx", sourceLocation: sourceLocation)
            #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(error.description.contains(fragment), "\(error)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func unsupportedAttributesNameTheNode() {
        expectRejection(["node 'GRU_l1' (GRU)", "clip is unsupported"]) { $0.nodes[3].attributes["clip"] = .float(3) }
        expectRejection(["node 'GRU_l0' (GRU)", "activations", "differ by direction"]) {
            $0.nodes[0].attributes["activations"] = .strings(["Relu", "Tanh", "Sigmoid", "Tanh"])
        }
        expectRejection(["node 'GRU_l0' (GRU)", "activation 'Softsign' is unsupported", "HardSigmoid"]) {
            $0.nodes[0].attributes["activations"] = .strings(["Softsign", "Tanh", "Softsign", "Tanh"])
        }
        expectRejection(["node 'GRU_l0' (GRU)", "activation_alpha [] is unsupported", "1/6"]) {
            $0.nodes[0].attributes["activations"] = .strings(["HardSigmoid", "Tanh", "HardSigmoid", "Tanh"])
        }
        expectRejection(["node 'GRU_l0' (GRU)", "layout", "unsupported"]) { $0.nodes[0].attributes["layout"] = .int(1) }
        expectRejection(["node 'GRU_l0' (GRU)", "direction 'reverse' is unsupported"]) {
            $0.nodes[0].attributes["direction"] = .string("reverse")
        }
        expectRejection(["node 'GRU_l0' (GRU)", "attribute 'foo' is unsupported"]) {
            $0.nodes[0].attributes["foo"] = .int(1)
        }
    }

    @Test func dynamicWeightsAreRejected() {
        expectRejection(["node 'GRU_l1' (GRU)", "R 'R_l1' is not an initializer", "dynamic weights"]) {
            $0.initializers.removeAll { $0.name == "R_l1" }
        }
        expectRejection(["node 'GRU_l0' (GRU)", "W 'W_l0' holds INT64", "expected FLOAT"]) {
            let index = $0.initializers.firstIndex { $0.name == "W_l0" }!
            $0.initializers[index].value = .int64([1, 2])
        }
    }

    @Test func inconsistentStacksAreRejected() {
        expectRejection(["node 'GRU_l1' (GRU)", "linear_before_reset 0", "one variant"]) {
            $0.nodes[3].attributes["linear_before_reset"] = .int(0)
        }
        expectRejection(["node 'GRU_l0' (GRU)", "hidden_size is 5"]) { $0.nodes[0].attributes["hidden_size"] = .int(5) }
        expectRejection(["node 'GRU_l0' (GRU)", "B has shape [2, 12]", "expected (2, 24)"]) {
            let index = $0.initializers.firstIndex { $0.name == "B_l0" }!
            $0.initializers[index].value = .float(Tensor(shape: [2, 12]))
        }
        expectRejection(["node 'GRU_l1' (GRU)", "reads 'input'", "the Y of node 'GRU_l0' (GRU)", "one stack"]) {
            $0.nodes[3].inputs[0] = "input"
        }
        expectRejection(["node 'GRU_l0' (GRU)", "initial_h 'h0' is a non-zero constant"]) { model in
            model.initializers.append(.init(name: "h0", value: .float(Tensor(shape: [2, 1, 6], repeating: 0.5))))
            while model.nodes[0].inputs.count < 6 { model.nodes[0].inputs.append("") }
            model.nodes[0].inputs[5] = "h0"
        }
        expectRejection(["has no GRU node", "Transpose"]) { model in
            model.nodes.removeAll { $0.opType == "GRU" }
        }
    }

    /// Every single-byte corruption of an exported file is read as a model or rejected with a
    /// one-line error, by the codec or by the mapping, and never traps.
    @Test func corruptedFilesAreErrorsNeverTraps() {
        let bytes = Array(Self.bidirectionalModel().encoded())
        for index in bytes.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var corrupted = bytes
                corrupted[index] ^= flip
                do {
                    _ = try ONNXGRU.parameters(from: ONNXModel(decoding: Data(corrupted), name: "bad.onnx"))
                } catch let error as FormatError {
                    #expect(error.subject == "bad.onnx" && !error.description.contains("\n"), "\(error)")
                } catch {
                    Issue.record("byte \(index) ^ \(flip): \(error)")
                }
            }
        }
    }

    // MARK: - The GRUKit-written fixtures

    /// The files ONNXGRUReferenceTests runs against onnxruntime's outputs: name, configuration,
    /// whether the graph takes `sequence_lens`. Their weights come from `GRU(configuration:seed: 17)`.
    static let exportedFixtures: [(name: String, configuration: GRUConfiguration, takesLengths: Bool)] = [
        (
            "gruKit_l2_bi_resetAfter_lengths",
            GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2, isBidirectional: true, variant: .resetAfter),
            true
        ),
        (
            "gruKit_l2_bi_resetBefore",
            GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2, isBidirectional: true, variant: .resetBefore),
            false
        ),
        (
            "gruKit_l1_uni_resetBefore_nobias_lengths",
            GRUConfiguration(inputSize: 3, hiddenSize: 4, hasBias: false, variant: .resetBefore), true
        ),
    ]

    static let fixtureDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/onnx")

    /// Export is deterministic, so the committed files are what it writes; with
    /// GRUKIT_WRITE_ONNX_FIXTURES=1 the test rewrites them instead (then rerun the script).
    @Test func committedExportsAreWhatExportWrites() throws {
        for fixture in Self.exportedFixtures {
            let parameters = GRU(configuration: fixture.configuration, seed: 17).parameters
            let bytes = ONNXGRU.model(of: parameters, takesSequenceLengths: fixture.takesLengths).encoded()
            let url = Self.fixtureDirectory.appendingPathComponent(fixture.name + ".onnx")
            if ProcessInfo.processInfo.environment["GRUKIT_WRITE_ONNX_FIXTURES"] == "1" {
                try ONNXModel(decoding: bytes, name: url.path).write(to: url)
            }
            #expect(try Data(contentsOf: url) == bytes, "\(fixture.name).onnx differs from what export writes")
        }
    }
}

extension GRUConfiguration: CustomTestStringConvertible {
    /// The configuration as a test case's name: layers, directions, variant, bias.
    public var testDescription: String {
        "\(layerCount) layer(s), \(isBidirectional ? "bi" : "uni")directional, \(variant.rawValue)"
            + (hasBias ? "" : ", no bias")
    }
}
