import GRUNetworks
import GRUTensor

/// Where a Keras GRU layer's arrays live under its model.weights.h5 group, and how they map to
/// GRUKit's tensors of one layer of the stack.
///
///     GRU:            <path>/cell/vars/0 kernel (I, 3H), /1 recurrent_kernel (H, 3H), /2 bias
///     Bidirectional:  <path>/forward_layer/cell/vars/..., <path>/backward_layer/cell/vars/...
///
/// Keras's gate blocks are z, r, h along the columns; GRUKit's r, z, n along the rows. The bias
/// is (2, 3H) for reset_after (input row, recurrent row), and (3H) for reset_after=False, where
/// b_in and b_hn both sit outside r * (...), so one bias b_ih + b_hh computes the same.
enum KerasGRUWeights {
    /// GRUKit's gate block of each Keras gate block: z is GRUKit's 1, r its 0, h (n) its 2.
    private static let gruKitBlock = [1, 0, 2]

    /// The group under a layer's path of each direction's cell.
    private static func cellPaths(isBidirectional: Bool) -> [String] {
        isBidirectional ? ["forward_layer/cell/vars", "backward_layer/cell/vars"] : ["cell/vars"]
    }

    /// The arrays of layer `layer` of the model's GRU, by their path under the layer's group.
    ///
    /// - Parameter tensors: the model's named tensors (`gru.weight_ih_l0` ...).
    static func kerasArrays(
        of tensors: [String: Tensor], layer: Int, configuration: GRUConfiguration
    ) throws -> [(String, Tensor)] {
        let h = configuration.hiddenSize
        var result: [(String, Tensor)] = []
        for (direction, cell) in cellPaths(isBidirectional: configuration.isBidirectional).enumerated() {
            func tensor(_ role: RecurrentParameterRole) -> Tensor {
                tensors["gru." + RecurrentParameterLayout.name(of: role, layer: layer, direction: direction)]!
            }
            let inputBias = tensor(.inputBias).scalars, recurrentBias = tensor(.recurrentBias).scalars
            let bias =
                configuration.variant == .resetAfter
                ? Tensor(shape: [2, 3 * h], scalars: reordered(inputBias, h) + reordered(recurrentBias, h))
                : Tensor(shape: [3 * h], scalars: reordered(zip(inputBias, recurrentBias).map(+), h))
            result += [
                (cell + "/0", kernel(of: tensor(.inputWeight), h)),
                (cell + "/1", kernel(of: tensor(.recurrentWeight), h)),
                (cell + "/2", bias),
            ]
        }
        return result
    }

    /// GRUKit's tensors of layer `layer` (`weight_ih_l0`, ... without the `gru.` prefix) from the
    /// arrays under `path`; a reset-before bias goes to `bias_ih`, `bias_hh` is zero.
    ///
    /// - Throws: `GRUInputError` naming a missing or misshapen array.
    static func gruTensors(
        from stored: [String: Tensor], path: String, isBidirectional: Bool, layer: Int, configuration: GRUConfiguration
    ) throws -> [String: Tensor] {
        let h = configuration.hiddenSize
        let inputSize = layer == 0 ? configuration.inputSize : h * (isBidirectional ? 2 : 1)
        var result: [String: Tensor] = [:]
        for (direction, cell) in cellPaths(isBidirectional: isBidirectional).enumerated() {
            func array(_ index: Int, _ shape: [Int], _ role: String) throws -> Tensor {
                let name = "\(path)/\(cell)/\(index)"
                guard let tensor = stored[name] else {
                    throw GRUInputError(.tensor(name), found: "missing from model.weights.h5", expected: role)
                }
                guard tensor.shape == shape else {
                    throw GRUInputError(.tensor(name), found: "shape \(tensor.shape)", expected: "\(shape), \(role)")
                }
                return tensor
            }
            func name(_ role: RecurrentParameterRole) -> String {
                RecurrentParameterLayout.name(of: role, layer: layer, direction: direction)
            }
            result[name(.inputWeight)] = weight(of: try array(0, [inputSize, 3 * h], "the GRU kernel (I, 3H)"), h)
            result[name(.recurrentWeight)] = weight(of: try array(1, [h, 3 * h], "the recurrent kernel (H, 3H)"), h)
            if configuration.variant == .resetAfter {
                let bias = try array(2, [2, 3 * h], "the reset_after bias (2, 3H)").scalars
                result[name(.inputBias)] = Tensor(shape: [3 * h], scalars: restored(Array(bias[..<(3 * h)]), h))
                result[name(.recurrentBias)] = Tensor(shape: [3 * h], scalars: restored(Array(bias[(3 * h)...]), h))
            } else {
                let bias = try array(2, [3 * h], "the reset_after=False bias (3H)").scalars
                result[name(.inputBias)] = Tensor(shape: [3 * h], scalars: restored(bias, h))
                result[name(.recurrentBias)] = Tensor(shape: [3 * h])
            }
        }
        return result
    }

    // MARK: - Gate blocks

    /// A (3H) vector in GRUKit's r, z, n order as Keras's z, r, h.
    private static func reordered(_ values: [Float], _ h: Int) -> [Float] {
        gruKitBlock.flatMap { values[($0 * h)..<(($0 + 1) * h)] }
    }

    /// A (3H) vector in Keras's z, r, h order as GRUKit's r, z, n.
    private static func restored(_ values: [Float], _ h: Int) -> [Float] {
        (0..<3).flatMap { block in
            values[(gruKitBlock.firstIndex(of: block)! * h)..<((gruKitBlock.firstIndex(of: block)! + 1) * h)]
        }
    }

    /// Keras's kernel (I, 3H), blocks z, r, h, of GRUKit's weight (3H, I), blocks r, z, n.
    private static func kernel(of weight: Tensor, _ h: Int) -> Tensor {
        let columns = weight.shape[1]
        let rows = gruKitBlock.flatMap { block in (0..<h).map { block * h + $0 } }  // Keras column -> GRUKit row
        var result = [Float](repeating: 0, count: weight.count)
        for (kerasColumn, row) in rows.enumerated() {
            for column in 0..<columns { result[column * 3 * h + kerasColumn] = weight.scalars[row * columns + column] }
        }
        return Tensor(shape: [columns, 3 * h], scalars: result)
    }

    /// GRUKit's weight (3H, I), blocks r, z, n, of Keras's kernel (I, 3H), blocks z, r, h.
    private static func weight(of kernel: Tensor, _ h: Int) -> Tensor {
        let inputs = kernel.shape[0]
        let rows = gruKitBlock.flatMap { block in (0..<h).map { block * h + $0 } }
        var result = [Float](repeating: 0, count: kernel.count)
        for (kerasColumn, row) in rows.enumerated() {
            for input in 0..<inputs { result[row * inputs + input] = kernel.scalars[input * 3 * h + kerasColumn] }
        }
        return Tensor(shape: [3 * h, inputs], scalars: result)
    }
}
