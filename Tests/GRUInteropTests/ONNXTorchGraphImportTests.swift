import Foundation
import GRUFormats
import GRUInterop
import GRUNetworks
import GRUTensor
import GRUTestSupport
import GRUTraining
import Testing

/// What ONNXTorchGraphImport refuses, each as one line naming the node, its op and what GRUKit
/// cannot represent: graphs from Tools/Reference/make_onnx_import_fixtures.py (unsupported_*),
/// and exported ones changed here one node at a time.
@Suite(.tags(.unit))
struct ONNXTorchGraphImportTests {
    static func fixture(_ name: String) throws -> ONNXModel {
        try ONNXModel.read(
            contentsOf: ONNXTorchGraphImportReferenceTests.fixtureDirectory.appendingPathComponent(name + ".onnx"))
    }

    /// The message of the error that importing `model` throws, checked to be one line.
    static func importError(
        _ model: ONNXModel, labels: [String]? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        do {
            _ = try ONNXTorchGraphImport.importedModel(from: model, labels: labels)
            Issue.record("the import succeeded", sourceLocation: sourceLocation)
            return ""
        } catch {
            let message = "\(error)"
            #expect(!message.contains("\n"), "one line: \(message)", sourceLocation: sourceLocation)
            return message
        }
    }

    @Test func aBareGRUIsSentToConvert() throws {
        let message = Self.importError(try Self.fixture("unsupported_bare_gru"))
        #expect(message.contains("has no Linear head"))
        #expect(message.contains("use gru convert for a bare GRU"))
    }

    @Test func anOpBetweenTheGRUAndTheHeadIsNamed() throws {
        let message = Self.importError(try Self.fixture("unsupported_tanh_before_head"))
        #expect(message.contains("node '/Tanh' (Tanh)"))
        #expect(message.contains("GRUKit has no Tanh there"))
    }

    @Test func theLastStepOfABidirectionalGRUIsRefused() throws {
        let message = Self.importError(try Self.fixture("unsupported_bidirectional_laststep"))
        #expect(message.contains("(Gather): takes the last step of a bidirectional GRU's output"))
    }

    @Test func anOpAfterTheHeadIsNamed() throws {
        var model = try Self.fixture("classifier_l1_uni_batchfirst")
        model.nodes.append(
            ONNXNode(name: "softmax", opType: "Softmax", inputs: ["output"], outputs: ["probabilities"]))
        model.outputs[0].name = "probabilities"
        #expect(Self.importError(model).contains("node 'softmax' (Softmax): reads 'output', the Linear head's output"))
    }

    @Test func clipAndActivationsAreRefusedNamingTheGRUNode() throws {
        var model = try Self.fixture("tagger_l1_uni_batchfirst")
        let gru = model.nodes.firstIndex { $0.opType == "GRU" }!
        var clipped = model
        clipped.nodes[gru].attributes["clip"] = .float(3)
        #expect(Self.importError(clipped).contains("(GRU): clip is unsupported"))
        model.nodes[gru].attributes["activations"] = .strings(["Softsign", "Tanh"])
        #expect(Self.importError(model).contains("(GRU): activation 'Softsign' is unsupported"))
    }

    @Test func aDynamicHeadWeightIsRefused() throws {
        var model = try Self.fixture("classifier_l1_uni_batchfirst")
        // head.weight through a node: no longer a constant.
        model.nodes.insert(
            ONNXNode(name: "relu", opType: "Relu", inputs: ["head.weight"], outputs: ["computed_weight"]),
            at: model.nodes.firstIndex { $0.opType == "Gemm" }!)
        let gemm = model.nodes.firstIndex { $0.opType == "Gemm" }!
        model.nodes[gemm].inputs[1] = "computed_weight"
        let message = Self.importError(model)
        #expect(message.contains("(Gemm): has the weight 'computed_weight'"))
        #expect(message.contains("dynamic weights are unsupported"))
    }

    @Test func aNonZeroInitialStateIsRefused() throws {
        var model = try Self.fixture("classifier_l1_uni_batchfirst")
        model.initializers.append(
            .init(name: "h0", value: .float(Tensor(shape: [1, 1, 4], scalars: [0.5, 0, 0, 0]))))
        let gru = model.nodes.firstIndex { $0.opType == "GRU" }!
        model.nodes[gru].inputs[5] = "h0"
        #expect(Self.importError(model).contains("(GRU): initial_h 'h0' is a non-zero constant"))
    }

    @Test func aHeadOnAnEarlierLayersStateIsRefused() throws {
        var model = try Self.fixture("classifier_l2_bi_timemajor")
        model.initializers += [
            .init(name: "row0", value: .int64([0], shape: [])), .init(name: "row1", value: .int64([1], shape: [])),
        ]
        var rows = ["row0", "row1"]
        for index in model.nodes.indices
        where model.nodes[index].opType == "Gather" && model.nodes[index].inputs[0] == "/gru/Concat_1_output_0" {
            model.nodes[index].inputs[1] = rows.removeFirst()
        }
        #expect(
            Self.importError(model).contains(
                "(Gemm): reads the rows [0, 1] of h_n; expected the last layer's final state"))
    }

    @Test func labelsMustBeOneDistinctNamePerOutput() throws {
        let model = try Self.fixture("classifier_l1_uni_batchfirst")
        #expect(
            throws: GRUInputError(
                .setting("--labels"), found: "3 labels",
                expected: "5, one per output of \(model.fileName)'s head")
        ) { try ONNXTorchGraphImport.importedModel(from: model, labels: ["a", "b", "c"]) }
        #expect(
            throws: GRUInputError(.setting("--labels"), found: "a label given twice", expected: "distinct class names")
        ) {
            try ONNXTorchGraphImport.importedModel(from: model, labels: ["a", "b", "c", "d", "a"])
        }
        let named = try ONNXTorchGraphImport.importedModel(from: model, labels: ["a", "b", "c", "d", "e"])
        #expect(named.schema.labels?.names == ["a", "b", "c", "d", "e"])
    }

    @Test func theVariantIsReadFromEveryGRUNode() throws {
        var model = try Self.fixture("tagger_l2_bi_timemajor")
        let grus = model.nodes.indices.filter { model.nodes[$0].opType == "GRU" }
        for index in grus { model.nodes[index].attributes["linear_before_reset"] = .int(0) }
        let imported = try ONNXTorchGraphImport.importedModel(from: model, labels: nil)
        #expect(imported.model.configuration.variant == .resetBefore)
        model.nodes[grus[1]].attributes["linear_before_reset"] = .int(1)
        #expect(Self.importError(model).contains("has linear_before_reset 1 but the first GRU node 0"))
    }

    @Test func aGRUWithoutBiasImportsWithZeroBiases() throws {
        var model = try Self.fixture("classifier_l1_uni_batchfirst")
        let gru = model.nodes.firstIndex { $0.opType == "GRU" }!
        model.nodes[gru].inputs[3] = ""
        let imported = try ONNXTorchGraphImport.importedModel(from: model, labels: nil)
        let tensors = Dictionary(uniqueKeysWithValues: imported.model.namedTensors.map { ($0.name, $0.tensor) })
        #expect(tensors["gru.bias_ih_l0"]?.scalars.allSatisfy { $0 == 0 } == true)
        #expect(tensors["gru.bias_hh_l0"]?.scalars.allSatisfy { $0 == 0 } == true)
        #expect(tensors["gru.weight_ih_l0"]?.scalars.contains { $0 != 0 } == true)
    }

    /// Every node of two exported graphs changed in turn (outputs, inputs, op, attributes
    /// dropped; the graph's input read instead): each import gives a model or an error, never a
    /// trap.
    @Test func everyNodeChangedGivesAModelOrAnError() throws {
        for name in ["tagger_l2_bi_batchfirst_lengths_unsorted", "classifier_l2_bi_timemajor"] {
            let model = try Self.fixture(name)
            for index in model.nodes.indices {
                var variants: [ONNXModel] = []
                for change in 0..<5 {
                    var changed = model
                    switch change {
                    case 0: changed.nodes[index].outputs = []
                    case 1: changed.nodes[index].inputs = Array(changed.nodes[index].inputs.prefix(1))
                    case 2: changed.nodes[index].inputs = []
                    case 3: changed.nodes[index].attributes = [:]
                    default:
                        if !changed.nodes[index].inputs.isEmpty { changed.nodes[index].inputs[0] = "input" }
                    }
                    variants.append(changed)
                }
                for variant in variants {
                    do {
                        _ = try ONNXTorchGraphImport.importedModel(from: variant, labels: nil)
                    } catch {
                        #expect(!"\(error)".contains("\n"), "one line: \(error)")
                    }
                }
            }
        }
    }
}
