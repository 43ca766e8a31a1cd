import GRUTensor

/// The mapping between GRUKit's (PyTorch's) LSTM tensors and the inputs of ONNX's `LSTM`
/// operator, one node per layer; the one place the LSTM's ONNX gate order is written.
///
/// Letters: B batch, I_k the layer's input width, H hidden size, D directions (1 or 2).
/// An `LSTM` node takes W (D, 4H, I_k), R (D, 4H, H) and B (D, 8H) = [Wb, Rb], with the gate
/// blocks in the order i, o, f, c, where PyTorch's `weight_ih_l{k}` (4H, I_k), `weight_hh_l{k}`
/// (4H, H), `bias_ih_l{k}` and `bias_hh_l{k}` (4H) have i, f, g, o (ONNX's c is PyTorch's g).
/// Direction 0 is forward and 1 reverse, as PyTorch's plain and `_reverse` tensors. Its
/// initial_h, initial_c (D, B, H), Y_h and Y_c are a layer's slice of PyTorch's (L*D, B, H)
/// states; Y is (T, D, B, H).
public enum ONNXLSTM {
    /// ONNX's gate block k holds PyTorch's block `onnxBlocks[k]`: i, o, f, c from i, f, g, o.
    static let onnxBlocks = [0, 3, 1, 2]

    /// Reorders the 4 gate blocks of `gateSize` values each, PyTorch's order to ONNX's, or back
    /// with `toONNX` false.
    static func reorderingGates(_ values: ArraySlice<Float>, gateSize: Int, toONNX: Bool) -> [Float] {
        precondition(values.count == 4 * gateSize, "\(values.count) values for 4 gates of \(gateSize)")
        var result = [Float](repeating: 0, count: values.count)
        for (onnx, pyTorch) in onnxBlocks.enumerated() {
            let (target, source) = toONNX ? (onnx, pyTorch) : (pyTorch, onnx)
            for j in 0..<gateSize { result[target * gateSize + j] = values[values.startIndex + source * gateSize + j] }
        }
        return result
    }

    /// The W, R and B of one layer's `LSTM` node from the stack's tensors under PyTorch's names;
    /// B is nil for a stack without biases (ONNX's default, zeros).
    ///
    /// - Throws: `GRUInputError` naming a tensor that is missing or has the wrong shape.
    public static func nodeWeights(
        layer: Int, of configuration: LSTMConfiguration, from tensors: [String: Tensor]
    ) throws -> (w: Tensor, r: Tensor, b: Tensor?) {
        let hidden = configuration.hiddenSize, inputSize = configuration.inputSize(ofLayer: layer)
        let directions = configuration.directionCount
        var w: [Float] = [], r: [Float] = [], b: [Float] = []
        for direction in 0..<directions {
            func tensor(_ role: RecurrentParameterRole, _ shape: [Int]) throws -> [Float] {
                let name = RecurrentParameterLayout.name(of: role, layer: layer, direction: direction)
                guard let tensor = tensors[name] else {
                    throw GRUInputError(.tensor(name), found: "no such tensor", expected: "shape \(shape)")
                }
                guard tensor.shape == shape else {
                    throw GRUInputError(.tensor(name), found: "shape \(tensor.shape)", expected: "shape \(shape)")
                }
                return reorderingGates(tensor.scalars[...], gateSize: tensor.scalars.count / 4, toONNX: true)
            }
            w += try tensor(.inputWeight, [4 * hidden, inputSize])
            r += try tensor(.recurrentWeight, [4 * hidden, hidden])
            if configuration.hasBias {
                b += try tensor(.inputBias, [4 * hidden])
                b += try tensor(.recurrentBias, [4 * hidden])
            }
        }
        return (
            Tensor(shape: [directions, 4 * hidden, inputSize], scalars: w),
            Tensor(shape: [directions, 4 * hidden, hidden], scalars: r),
            configuration.hasBias ? Tensor(shape: [directions, 8 * hidden], scalars: b) : nil
        )
    }

    /// One layer's tensors under PyTorch's names from its `LSTM` node's W (D, 4H, I_k) as `w`,
    /// R (D, 4H, H) as `r` and B (D, 8H) as `b`, or nil (no biases).
    ///
    /// - Throws: `GRUInputError` naming W, R or B when its shape does not fit the others.
    public static func pyTorchTensors(layer: Int, w: Tensor, r: Tensor, b: Tensor?) throws -> [String: Tensor] {
        guard w.rank == 3, w.shape[0] == 1 || w.shape[0] == 2, w.shape[1] % 4 == 0, w.shape[1] > 0 else {
            throw GRUInputError(.tensor("W"), found: "shape \(w.shape)", expected: "(D, 4H, I) with D 1 or 2")
        }
        let directions = w.shape[0], hidden = w.shape[1] / 4, inputSize = w.shape[2]
        guard r.shape == [directions, 4 * hidden, hidden] else {
            throw GRUInputError(
                .tensor("R"), found: "shape \(r.shape)", expected: "shape \([directions, 4 * hidden, hidden])")
        }
        if let b, b.shape != [directions, 8 * hidden] {
            throw GRUInputError(.tensor("B"), found: "shape \(b.shape)", expected: "shape \([directions, 8 * hidden])")
        }
        var tensors: [String: Tensor] = [:]
        func put(_ role: RecurrentParameterRole, _ direction: Int, _ values: ArraySlice<Float>, _ shape: [Int]) {
            let name = RecurrentParameterLayout.name(of: role, layer: layer, direction: direction)
            tensors[name] = Tensor(
                shape: shape, scalars: reorderingGates(values, gateSize: values.count / 4, toONNX: false))
        }
        for direction in 0..<directions {
            let wCount = 4 * hidden * inputSize, rCount = 4 * hidden * hidden
            put(
                .inputWeight, direction, w.scalars[(direction * wCount)..<((direction + 1) * wCount)],
                [4 * hidden, inputSize])
            put(
                .recurrentWeight, direction, r.scalars[(direction * rCount)..<((direction + 1) * rCount)],
                [4 * hidden, hidden])
            if let b {
                let start = direction * 8 * hidden
                put(.inputBias, direction, b.scalars[start..<(start + 4 * hidden)], [4 * hidden])
                put(.recurrentBias, direction, b.scalars[(start + 4 * hidden)..<(start + 8 * hidden)], [4 * hidden])
            }
        }
        return tensors
    }
}
