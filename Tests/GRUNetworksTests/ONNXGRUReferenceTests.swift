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
