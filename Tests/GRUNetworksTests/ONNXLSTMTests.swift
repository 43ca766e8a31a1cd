import GRUNetworks
import GRUTensor
import Testing

/// `ONNXLSTM`'s mapping between PyTorch's LSTM tensors and an ONNX node's W, R and B.
@Suite(.tags(.unit))
struct ONNXLSTMTests {
    static let configuration = LSTMConfiguration(inputSize: 2, hiddenSize: 1, isBidirectional: true)

    /// Each tensor's values are its gate blocks' indices, 0 (i) ... 3 (o), plus 10 per direction.
    static func tensors() -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for slot in LSTMLayer(configuration).layout.slots {
            let perGate = slot.count / 4, offset: Float = slot.name.hasSuffix("_reverse") ? 10 : 0
            tensors[slot.name] = Tensor(
                shape: slot.shape, scalars: (0..<slot.count).map { Float($0 / perGate) + offset })
        }
        return tensors
    }

    @Test func exportPutsTheGatesInONNXOrder() throws {
        let (w, r, b) = try ONNXLSTM.nodeWeights(layer: 0, of: Self.configuration, from: Self.tensors())
        // i, o, f, c = PyTorch's blocks 0, 3, 1, 2.
        #expect(w.shape == [2, 4, 2])
        #expect(w.scalars == [0, 0, 3, 3, 1, 1, 2, 2, 10, 10, 13, 13, 11, 11, 12, 12])
        #expect(r.scalars == [0, 3, 1, 2, 10, 13, 11, 12])
        #expect(b?.scalars == [0, 3, 1, 2, 0, 3, 1, 2, 10, 13, 11, 12, 10, 13, 11, 12])
    }

    @Test func importInvertsExport() throws {
        let tensors = Self.tensors()
        let (w, r, b) = try ONNXLSTM.nodeWeights(layer: 0, of: Self.configuration, from: tensors)
        #expect(try ONNXLSTM.pyTorchTensors(layer: 0, w: w, r: r, b: b) == tensors)
    }

    @Test func aMismatchedRecurrenceIsATypedError() throws {
        let (w, _, b) = try ONNXLSTM.nodeWeights(layer: 0, of: Self.configuration, from: Self.tensors())
        #expect(throws: GRUInputError.self) {
            try ONNXLSTM.pyTorchTensors(layer: 0, w: w, r: Tensor(shape: [2, 4, 2]), b: b)
        }
    }
}
