import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// ONNX files against onnxruntime, made by Tools/Reference/make_onnx_fixtures.py in
/// Tests/Fixtures/onnx: `torch_*.onnx`, nn.GRU exported by `torch.onnx.export` (TorchScript,
/// opset 14), imported here with ONNXGRU; and `gruKit_*.onnx`, written by ONNXGRU.model and
/// passed by `onnx.checker` in the script. Beside each, a .safetensors file holds the input
/// (with its initial state or lengths) and onnxruntime's outputs, which `GRU.forward` on the
/// imported weights matches within 1e-5 per element.
@Suite(.tags(.reference))
struct ONNXGRUReferenceTests {
    static let fixtureNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: ONNXGRUTests.fixtureDirectory.path)) ?? []
        return names.filter { $0.hasSuffix(".onnx") }.map { String($0.dropLast(5)) }.sorted()
    }()

    @Test func everyFixtureIsPresent() {
        #expect(Self.fixtureNames.filter { $0.hasPrefix("torch_") }.count == 3)
        #expect(
            Set(Self.fixtureNames.filter { $0.hasPrefix("gruKit_") }) == Set(ONNXGRUTests.exportedFixtures.map(\.name)))
    }

    /// What the codec reads of torch.onnx.export's graph: its opset, its inputs with their
    /// dynamic axes, the GRU nodes' attributes and the Constant nodes' INT64 tensors.
    @Test func readsTheTorchExportersGraph() throws {
        let url = ONNXGRUTests.fixtureDirectory.appendingPathComponent("torch_l2_bi_h0.onnx")
        let model = try ONNXModel.read(contentsOf: url)
        #expect(model.opsetVersion == 14)
        #expect(model.producerName == "pytorch")
        #expect(model.inputs.map(\.name) == ["input", "h0"])
        #expect(model.inputs.first?.dimensions == [.symbolic("T"), .symbolic("B"), .fixed(3)])
        #expect(model.outputs.map(\.name) == ["output", "h_n"])
        let grus = model.nodes.filter { $0.opType == "GRU" }
        #expect(grus.count == 2)
        for gru in grus {
            #expect(gru.attributes["direction"] == .string("bidirectional"))
            #expect(gru.attributes["linear_before_reset"] == .int(1))
            #expect(gru.attributes["hidden_size"] == .int(4))
        }
        let constants = model.nodes.filter { $0.opType == "Constant" }
        #expect(!constants.isEmpty)
        for constant in constants {
            guard case .tensor(let value)? = constant.attributes["value"] else {
                Issue.record("\(constant.label) has no tensor value")
                continue
            }
            #expect(value.elementType == .int64)
        }
    }

    @Test(arguments: fixtureNames)
    func matchesOnnxruntime(_ name: String) throws {
        let directory = ONNXGRUTests.fixtureDirectory
        let model = try ONNXModel.read(contentsOf: directory.appendingPathComponent(name + ".onnx"))
        let expected = try SafetensorsFile.read(contentsOf: directory.appendingPathComponent(name + ".safetensors"))
        let gru = GRU(parameters: try ONNXGRU.parameters(from: model))
        if name.hasPrefix("torch_") {
            #expect(gru.configuration.variant == .resetAfter, "torch.onnx.export writes linear_before_reset = 1")
            #expect(gru.configuration.isBidirectional == name.contains("_bi"))
        }
        let lengths = expected["lengths"].map { $0.scalars.map { Int($0) } }
        let result = try gru.forward(
            try expected.require("input"), initialState: expected["initial_state"], lengths: lengths)
        expectApproximatelyEqual(result.output, try expected.require("output"), absoluteTolerance: 1e-5, "output")
        expectApproximatelyEqual(
            result.finalState, try expected.require("final_state"), absoluteTolerance: 1e-5, "final state")
    }
}
