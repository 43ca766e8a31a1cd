import GRUTensor

/// The parameter names of `mlx.nn.GRU` (Python) and mlx-swift's `MLXNN.GRU`, and their mapping
/// to GRUKit's PyTorch names.
///
/// MLX's GRU is one unidirectional reset-after layer with the gate order r, z, n, as PyTorch's:
/// `Wx` (3H, I) is W_ih, `Wh` (3H, H) is W_hh, `b` (3H) is b_ih + [b_hr, b_hz, 0] (MLX adds it
/// to the input projection only) and `bhn` (H) is b_hn, added inside r * (W_hn h + b_hn).
/// Without a bias (`bias=False`) it has only `Wx` and `Wh`. Read from mlx 0.32.4's
/// python/mlx/nn/layers/recurrent.py and mlx-swift's Source/MLXNN/Recurrent.swift.
///
/// GRUKit -> MLX -> GRUKit keeps every weight but the biases' r and z parts: they come back
/// summed into b_ih, with b_hh's r and z parts zero. The GRU computes the same outputs.
public enum MLXGRUNames {
    /// The input weight, W_ih: (3H, I).
    public static let inputWeight = "Wx"
    /// The recurrent weight, W_hh: (3H, H).
    public static let recurrentWeight = "Wh"
    /// The input projection's bias: b_ih + [b_hr, b_hz, 0], (3H).
    public static let bias = "b"
    /// The candidate's recurrent bias b_hn: (H).
    public static let candidateRecurrentBias = "bhn"

    /// Every name an MLX GRU file may hold.
    public static let names: Set<String> = [inputWeight, recurrentWeight, bias, candidateRecurrentBias]

    /// What an MLX GRU can hold, as the messages of this type end.
    static let capacity = "MLX's GRU holds one unidirectional reset-after layer"

    /// Whether `names` are MLX's rather than PyTorch's: they hold `Wx` or `Wh`.
    public static func holdsMLXNames(_ names: some Sequence<String>) -> Bool {
        names.contains { $0 == inputWeight || $0 == recurrentWeight }
    }

    /// Builds GRUKit parameters from MLX-named tensors: b_ih is `b` and b_hh is [0, 0, `bhn`].
    ///
    /// - Throws: `GRUInputError` naming the tensor when one is missing, misshapen, not finite or
    ///   not an MLX GRU's, or when `variant` is reset-before, which MLX does not compute.
    public static func parameters(from tensors: [String: Tensor], variant: GRUVariant = .resetAfter) throws
        -> GRUParameters
    {
        guard variant == .resetAfter else {
            throw GRUInputError(
                .setting("variant"), found: variant.rawValue, expected: "reset-after: " + capacity)
        }
        guard let recurrent = tensors[recurrentWeight] else {
            throw GRUInputError(.tensor(recurrentWeight), found: "missing", expected: "shape (3H, H): " + capacity)
        }
        guard recurrent.rank == 2, recurrent.shape[1] > 0, recurrent.shape[0] == 3 * recurrent.shape[1] else {
            throw GRUInputError(
                .tensor(recurrentWeight), found: "shape \(recurrent.shape)", expected: "(3H, H) for a hidden size H")
        }
        let hidden = recurrent.shape[1]
        guard let input = tensors[inputWeight] else {
            throw GRUInputError(.tensor(inputWeight), found: "missing", expected: "shape (3H, I) = (\(3 * hidden), I)")
        }
        guard input.rank == 2, input.shape[0] == 3 * hidden, input.shape[1] > 0 else {
            throw GRUInputError(
                .tensor(inputWeight), found: "shape \(input.shape)", expected: "(3H, I) = (\(3 * hidden), I)")
        }
        // Both biases or neither: MLX creates them together.
        let hasBias = tensors[bias] != nil || tensors[candidateRecurrentBias] != nil
        let configuration = GRUConfiguration(inputSize: input.shape[1], hiddenSize: hidden, hasBias: hasBias)
        let owner = "for an MLX GRU with input size \(input.shape[1]), hidden size \(hidden)"
        var parameters = GRUParameters(zerosFor: configuration)
        set(
            .inputWeight, to: try InputChecks.namedTensor(inputWeight, of: tensors, shape: input.shape), in: &parameters
        )
        set(
            .recurrentWeight, to: try InputChecks.namedTensor(recurrentWeight, of: tensors, shape: recurrent.shape),
            in: &parameters)
        if hasBias {
            let inputBias = try InputChecks.namedTensor(bias, of: tensors, shape: [3 * hidden], owner: owner)
            let candidate = try InputChecks.namedTensor(
                candidateRecurrentBias, of: tensors, shape: [hidden], owner: owner)
            set(.inputBias, to: inputBias, in: &parameters)
            let recurrentBias = Array(repeating: Float(0), count: 2 * hidden) + candidate.scalars
            set(.recurrentBias, to: Tensor(shape: [3 * hidden], scalars: recurrentBias), in: &parameters)
        }
        let expected: Set<String> = hasBias ? names : [inputWeight, recurrentWeight]
        try InputChecks.expectNoOtherTensors(tensors.keys, expected: expected, owner: owner)
        return parameters
    }

    /// The parameters under MLX's names, in the order `Wx`, `Wh`, `b`, `bhn` (the last two only
    /// with a bias), b_hh's r and z parts folded into `b`.
    ///
    /// - Throws: `GRUInputError` when the GRU is stacked, bidirectional or reset-before, which an
    ///   MLX GRU cannot hold.
    public static func namedTensors(of parameters: GRUParameters) throws -> [(name: String, tensor: Tensor)] {
        let configuration = parameters.configuration
        guard configuration.layerCount == 1 else {
            throw GRUInputError(
                .tensor("weight_ih_l1"), found: "\(configuration.layerCount) layers", expected: "one layer: " + capacity
            )
        }
        guard !configuration.isBidirectional else {
            throw GRUInputError(
                .tensor("weight_ih_l0_reverse"), found: "a bidirectional GRU",
                expected: "one direction: " + capacity)
        }
        guard configuration.variant == .resetAfter else {
            throw GRUInputError(
                .setting("variant"), found: configuration.variant.rawValue, expected: "reset-after: " + capacity)
        }
        func tensor(_ role: RecurrentParameterRole) -> Tensor? {
            parameters.slot(role, layer: 0, direction: 0).map { parameters.tensor(for: $0) }
        }
        var named: [(name: String, tensor: Tensor)] = [
            (inputWeight, tensor(.inputWeight)!), (recurrentWeight, tensor(.recurrentWeight)!),
        ]
        if let inputBias = tensor(.inputBias), let recurrentBias = tensor(.recurrentBias) {
            let hidden = configuration.hiddenSize
            var folded = inputBias.scalars
            for index in 0..<(2 * hidden) { folded[index] += recurrentBias.scalars[index] }
            named.append((bias, Tensor(shape: [3 * hidden], scalars: folded)))
            named.append(
                (
                    candidateRecurrentBias,
                    Tensor(shape: [hidden], scalars: Array(recurrentBias.scalars[(2 * hidden)...]))
                ))
        }
        return named
    }

    private static func set(
        _ role: RecurrentParameterRole, to tensor: Tensor, in parameters: inout GRUParameters
    ) {
        // The configuration was built from these shapes, so every slot exists.
        parameters.setTensor(tensor, for: parameters.slot(role, layer: 0, direction: 0)!)
    }
}
