import GRUTensor

/// PyTorch's `nn.GRU` state_dict naming, which is also GRUKit's own file naming.
///
/// `weight_ih_l{k}` (3H, I_k), `weight_hh_l{k}` (3H, H), `bias_ih_l{k}` (3H), `bias_hh_l{k}` (3H),
/// each with the suffix `_reverse` for the backward direction. PyTorch's gate order r, z, n is
/// GRUKit's, so the tensors move across unchanged.
public enum PyTorchGRUNames {
    /// The state_dict key of one parameter tensor.
    public static func name(of role: RecurrentParameterRole, layer: Int, direction: Int) -> String {
        RecurrentParameterLayout.name(of: role, layer: layer, direction: direction)
    }

    /// Infers the configuration from the names and shapes of a state_dict-like set of tensors.
    ///
    /// H comes from `weight_hh_l0` (3H, H), I from `weight_ih_l0` (3H, I), the layer count from
    /// the consecutive `weight_ih_l{k}` present, bidirectionality from `weight_ih_l0_reverse`
    /// and the bias from `bias_ih_l0`. `parameters(from:variant:)` then checks every tensor.
    public static func configuration(
        of tensors: [String: Tensor], variant: GRUVariant
    ) throws -> GRUConfiguration {
        guard let recurrent = tensors["weight_hh_l0"] else {
            throw GRUInputError(
                .tensor("weight_hh_l0"), found: "missing; found \(describe(Array(tensors.keys)))",
                expected: "a PyTorch nn.GRU state_dict")
        }
        guard recurrent.rank == 2, recurrent.shape[0] == 3 * recurrent.shape[1], recurrent.shape[1] > 0 else {
            throw GRUInputError(
                .tensor("weight_hh_l0"), found: "shape \(recurrent.shape)", expected: "(3H, H) for a hidden size H")
        }
        guard let input = tensors["weight_ih_l0"] else {
            throw GRUInputError(
                .tensor("weight_ih_l0"), found: "missing", expected: "shape (3H, I) = (\(recurrent.shape[0]), I)")
        }
        guard input.rank == 2, input.shape[1] > 0 else {
            throw GRUInputError(
                .tensor("weight_ih_l0"), found: "shape \(input.shape)", expected: "(3H, I) = (\(recurrent.shape[0]), I)"
            )
        }
        var layerCount = 1
        while tensors["weight_ih_l\(layerCount)"] != nil { layerCount += 1 }
        return GRUConfiguration(
            inputSize: input.shape[1],
            hiddenSize: recurrent.shape[1],
            layerCount: layerCount,
            isBidirectional: tensors["weight_ih_l0_reverse"] != nil,
            hasBias: tensors["bias_ih_l0"] != nil,
            variant: variant)
    }

    /// Builds parameters from named tensors, requiring exactly the tensors the configuration
    /// has, each with its expected shape.
    public static func parameters(
        from tensors: [String: Tensor], configuration: GRUConfiguration
    ) throws -> GRUParameters {
        var parameters = GRUParameters(zerosFor: configuration)
        let owner = "for a GRU with " + summary(of: configuration)
        for slot in parameters.slots {
            let tensor = try InputChecks.namedTensor(slot.name, of: tensors, shape: slot.shape, owner: owner)
            parameters.setTensor(tensor, for: slot)
        }
        try InputChecks.expectNoOtherTensors(tensors.keys, expected: Set(parameters.slots.map(\.name)), owner: owner)
        return parameters
    }

    /// Infers the configuration and loads the parameters in one step.
    public static func parameters(
        from tensors: [String: Tensor], variant: GRUVariant
    ) throws -> GRUParameters {
        try parameters(from: tensors, configuration: configuration(of: tensors, variant: variant))
    }

    /// The parameters as (name, tensor) pairs in state_dict order.
    public static func namedTensors(of parameters: GRUParameters) -> [(name: String, tensor: Tensor)] {
        parameters.slots.map { slot in (slot.name, parameters.tensor(for: slot)) }
    }

    private static func summary(of configuration: GRUConfiguration) -> String {
        "input size \(configuration.inputSize), hidden size \(configuration.hiddenSize), "
            + "\(configuration.layerCount) layer(s), "
            + (configuration.isBidirectional ? "bidirectional" : "unidirectional")
            + (configuration.hasBias ? ", with bias" : ", without bias")
    }

    private static func describe(_ names: [String]) -> String {
        names.isEmpty ? "no tensors" : listForMessage(names.sorted())
    }
}
