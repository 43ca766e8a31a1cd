import GRUTensor

/// The shape of a (possibly stacked, possibly bidirectional) GRU: everything that fixes the
/// number and shapes of its parameters, plus the variant and activations that fix its math.
public struct GRUConfiguration: RecurrentStackConfiguration, Hashable, Codable {
    /// Features per time step of the input, I.
    public var inputSize: Int
    /// Features of the hidden state per direction, H.
    public var hiddenSize: Int
    /// Number of stacked layers; layer k > 0 reads layer k - 1's output of width D * H.
    public var layerCount: Int
    /// Whether each layer also runs a reverse-time direction, concatenated after the forward one.
    public var isBidirectional: Bool
    /// Whether the layer has the bias vectors b_ih and b_hh.
    public var hasBias: Bool
    /// The GRU formulation.
    public var variant: GRUVariant
    /// The candidate's activation (tanh in PyTorch), Keras's `activation`.
    public var activation: RecurrentActivation
    /// The reset and update gates' activation (sigmoid in PyTorch), Keras's `recurrent_activation`.
    public var recurrentActivation: RecurrentActivation

    /// A configuration; sizes must be positive.
    public init(
        inputSize: Int, hiddenSize: Int, layerCount: Int = 1, isBidirectional: Bool = false,
        hasBias: Bool = true, variant: GRUVariant = .resetAfter, activation: RecurrentActivation = .tanh,
        recurrentActivation: RecurrentActivation = .sigmoid
    ) {
        precondition(
            inputSize > 0 && hiddenSize > 0 && layerCount > 0,
            "GRU sizes must be positive: input \(inputSize), hidden \(hiddenSize), layers \(layerCount)")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.isBidirectional = isBidirectional
        self.hasBias = hasBias
        self.variant = variant
        self.activation = activation
        self.recurrentActivation = recurrentActivation
    }

    /// Whether the activations are PyTorch's, tanh and sigmoid, which the fused kernels compute.
    public var hasDefaultActivations: Bool { activation == .tanh && recurrentActivation == .sigmoid }

    /// The number of parameters, or nil when it is too large to count in an `Int` (sizes from
    /// a command line are checked with it before anything is allocated).
    public var parameterCountIfRepresentable: Int? {
        parameterCountIfRepresentable(gateCount: GRUCell.gateCount)
    }

    private enum CodingKeys: String, CodingKey {
        case inputSize, hiddenSize, layerCount, isBidirectional, hasBias, variant, activation, recurrentActivation
    }

    /// Decodes a configuration; files written before the activations existed get tanh and sigmoid.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        inputSize = try container.decode(Int.self, forKey: .inputSize)
        hiddenSize = try container.decode(Int.self, forKey: .hiddenSize)
        layerCount = try container.decode(Int.self, forKey: .layerCount)
        isBidirectional = try container.decode(Bool.self, forKey: .isBidirectional)
        hasBias = try container.decode(Bool.self, forKey: .hasBias)
        variant = try container.decode(GRUVariant.self, forKey: .variant)
        activation = try container.decodeIfPresent(RecurrentActivation.self, forKey: .activation) ?? .tanh
        recurrentActivation =
            try container.decodeIfPresent(RecurrentActivation.self, forKey: .recurrentActivation) ?? .sigmoid
    }

    /// Encodes a configuration, writing the activations only when they are not the defaults, so
    /// that a default GRU's file is what it was before they existed.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(inputSize, forKey: .inputSize)
        try container.encode(hiddenSize, forKey: .hiddenSize)
        try container.encode(layerCount, forKey: .layerCount)
        try container.encode(isBidirectional, forKey: .isBidirectional)
        try container.encode(hasBias, forKey: .hasBias)
        try container.encode(variant, forKey: .variant)
        if activation != .tanh { try container.encode(activation, forKey: .activation) }
        if recurrentActivation != .sigmoid { try container.encode(recurrentActivation, forKey: .recurrentActivation) }
    }
}
