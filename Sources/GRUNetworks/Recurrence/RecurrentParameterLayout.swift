/// The four kinds of parameter tensor in each layer and direction of a recurrent stack.
/// PyTorch's `RNNBase` has the same four for every cell; only their row count, the gate count
/// times H, differs (3H for the GRU).
public enum RecurrentParameterRole: CaseIterable, Sendable {
    /// W_ih: (G*H, I_layer), one row block per gate.
    case inputWeight
    /// W_hh: (G*H, H).
    case recurrentWeight
    /// b_ih: (G*H).
    case inputBias
    /// b_hh: (G*H).
    case recurrentBias

    /// The stem of the tensor's name: `weight_ih`, `weight_hh`, `bias_ih` or `bias_hh`.
    var nameStem: String {
        switch self {
        case .inputWeight: "weight_ih"
        case .recurrentWeight: "weight_hh"
        case .inputBias: "bias_ih"
        case .recurrentBias: "bias_hh"
        }
    }
}

/// Where every parameter tensor of a recurrent stack sits in a flat buffer, as the same
/// `LayerParameterSlot`s every other layer describes its parameters with.
///
/// Slots are ordered and named as PyTorch's `state_dict()` of `nn.GRU`, `nn.LSTM` or `nn.RNN`:
/// per layer, per direction, `weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`,
/// `bias_hh_l{k}`, then the cell's extra tensors (`RecurrentExtraParameter`, none for those
/// three cells), with the suffix `_reverse` for the backward direction. Offsets are relative
/// to the start of the stack's region, which may be a slice of a larger model buffer.
/// Legend: G gates, H hidden size, I_layer the layer's input width.
public struct RecurrentParameterLayout: Equatable, Sendable {
    /// Gate blocks in each weight's rows: 3 for the GRU.
    public let gateCount: Int
    /// The cell's extra tensors in each layer and direction, after the four.
    public let extraParameters: [RecurrentExtraParameter]
    /// The slots in buffer order.
    public let slots: [LayerParameterSlot]
    /// The number of Floats the stack's parameters take.
    public let count: Int

    /// The layout of a stack of cells with `gateCount` gates and `extraParameters` in each
    /// layer and direction.
    public init(
        _ configuration: some RecurrentStackConfiguration, gateCount: Int,
        extraParameters: [RecurrentExtraParameter] = []
    ) {
        self.gateCount = gateCount
        self.extraParameters = extraParameters
        var slots: [LayerParameterSlot] = []
        var offset = 0
        let rows = gateCount * configuration.hiddenSize
        for layer in 0..<configuration.layerCount {
            for direction in 0..<configuration.directionCount {
                for role in RecurrentParameterRole.allCases {
                    let shape: [Int]
                    switch role {
                    case .inputWeight: shape = [rows, configuration.inputSize(ofLayer: layer)]
                    case .recurrentWeight: shape = [rows, configuration.hiddenSize]
                    case .inputBias, .recurrentBias:
                        guard configuration.hasBias else { continue }
                        shape = [rows]
                    }
                    let name = Self.name(of: role, layer: layer, direction: direction)
                    slots.append(LayerParameterSlot(name: name, shape: shape, offset: offset))
                    offset += slots[slots.count - 1].count
                }
                for extra in extraParameters {
                    let name = Self.name(ofExtra: extra.nameStem, layer: layer, direction: direction)
                    slots.append(LayerParameterSlot(name: name, shape: extra.shape, offset: offset))
                    offset += extra.count
                }
            }
        }
        self.slots = slots
        count = offset
    }

    /// The slot of one tensor, or nil for a bias of a bias-free stack.
    public func slot(_ role: RecurrentParameterRole, layer: Int, direction: Int) -> LayerParameterSlot? {
        let name = Self.name(of: role, layer: layer, direction: direction)
        return slots.first { $0.name == name }
    }

    /// The slot of one of the cell's extra tensors, or nil when the cell has none of that stem.
    public func slot(extra nameStem: String, layer: Int, direction: Int) -> LayerParameterSlot? {
        let name = Self.name(ofExtra: nameStem, layer: layer, direction: direction)
        return slots.first { $0.name == name }
    }

    /// The name of one of a cell's extra tensors: `layer_norm_gamma_l1_reverse` and so on.
    public static func name(ofExtra nameStem: String, layer: Int, direction: Int) -> String {
        "\(nameStem)_l\(layer)" + (direction == 1 ? "_reverse" : "")
    }

    /// The name of one tensor: `weight_ih_l0`, `bias_hh_l1_reverse` and so on.
    public static func name(of role: RecurrentParameterRole, layer: Int, direction: Int) -> String {
        "\(role.nameStem)_l\(layer)" + (direction == 1 ? "_reverse" : "")
    }
}
