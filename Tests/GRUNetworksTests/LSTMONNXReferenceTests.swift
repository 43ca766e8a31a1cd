import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// GRUKit's LSTM against onnxruntime's `LSTM` operator, from the onnx_* fixtures in
/// Tests/Fixtures/lstm made by Tools/Reference/make_lstm_fixtures.py: the node's W, R and B
/// (ONNX gate order i, o, f, c) mapped by `ONNXLSTM` to PyTorch's layout, then Y, Y_h and Y_c
/// matched within 1e-5 with sequence_lens, initial_h and initial_c given.
@Suite(.tags(.reference))
struct LSTMONNXReferenceTests {
    static let fixtureNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: LSTMReferenceTests.directory.path)) ?? []
        return names.filter { $0.hasPrefix("onnx_") && $0.hasSuffix(".safetensors") }.sorted()
    }()

    @Test func theCasesArePresent() {
        #expect(Self.fixtureNames == ["onnx_bi_h0_len.safetensors", "onnx_uni_h0_len.safetensors"])
    }

    @Test(arguments: fixtureNames)
    func matchesOnnxruntime(_ name: String) throws {
        let file = try SafetensorsFile.read(
            contentsOf: LSTMReferenceTests.directory.appendingPathComponent(name))
        let w = try file.require("W"), x = try file.require("X")
        let steps = x.shape[0], batch = x.shape[1], directions = w.shape[0], hidden = w.shape[1] / 4
        let configuration = LSTMConfiguration(
            inputSize: x.shape[2], hiddenSize: hidden, isBidirectional: directions == 2)
        let layer = LSTMLayer(configuration)
        let tensors = try ONNXLSTM.pyTorchTensors(layer: 0, w: w, r: try file.require("R"), b: try file.require("B"))
        let weights = try layer.flatWeights(from: tensors)
        let lengths = try file.require("sequence_lens").scalars.map { Int($0) }
        let result = try weights.withUnsafeBufferPointer {
            try layer.forward(
                x, initialState: try file.require("initial_h"), initialCellState: try file.require("initial_c"),
                lengths: lengths, weights: $0)
        }
        // Y (T, D, B, H) against the output (T, B, D*H).
        let y = try file.require("Y")
        var expected = [Float](repeating: 0, count: y.scalars.count)
        for t in 0..<steps {
            for d in 0..<directions {
                for b in 0..<batch {
                    for j in 0..<hidden {
                        expected[((t * batch + b) * directions + d) * hidden + j] =
                            y.scalars[((t * directions + d) * batch + b) * hidden + j]
                    }
                }
            }
        }
        expectApproximatelyEqual(
            result.output, Tensor(shape: [steps, batch, directions * hidden], scalars: expected),
            absoluteTolerance: 1e-5, "Y")
        expectApproximatelyEqual(result.finalState, try file.require("Y_h"), absoluteTolerance: 1e-5, "Y_h")
        expectApproximatelyEqual(
            try #require(result.finalCellState), try file.require("Y_c"), absoluteTolerance: 1e-5, "Y_c")
    }
}
