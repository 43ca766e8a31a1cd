import GRUTensor

/// The shape of a (possibly stacked, possibly bidirectional) GRU: everything that fixes the
/// number and shapes of its parameters, plus the variant that fixes its math.
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

    /// A configuration; sizes must be positive.
    public init(
        inputSize: Int, hiddenSize: Int, layerCount: Int = 1, isBidirectional: Bool = false,
        hasBias: Bool = true, variant: GRUVariant = .resetAfter
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
    }

    /// The number of parameters, or nil when it is too large to count in an `Int` (sizes from
    /// a command line are checked with it before anything is allocated).
    public var parameterCountIfRepresentable: Int? {
        parameterCountIfRepresentable(gateCount: GRUCell.gateCount)
    }
}
