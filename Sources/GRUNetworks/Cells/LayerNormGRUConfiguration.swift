/// The shape of a stacked, optionally bidirectional layer-normalized GRU (`LayerNormGRULayer`):
/// the sizes every recurrent stack has. The math (Haste's `LayerNormGRU`) is on `LayerNormGRUCell`.
public struct LayerNormGRUConfiguration: RecurrentStackConfiguration, Hashable, Codable {
    /// Features per time step of the input, I.
    public var inputSize: Int
    /// Features of the hidden state per direction, H.
    public var hiddenSize: Int
    /// Number of stacked layers; layer k > 0 reads layer k - 1's output of width D * H.
    public var layerCount: Int
    /// Whether each layer also runs a reverse-time direction, concatenated after the forward one.
    public var isBidirectional: Bool
    /// Whether the layer has the bias vectors b_ih and b_hh, added after the normalizations.
    public var hasBias: Bool

    /// A configuration; sizes must be positive.
    public init(
        inputSize: Int, hiddenSize: Int, layerCount: Int = 1, isBidirectional: Bool = false, hasBias: Bool = true
    ) {
        precondition(
            inputSize > 0 && hiddenSize > 0 && layerCount > 0,
            "layer-norm GRU sizes must be positive: input \(inputSize), hidden \(hiddenSize), layers \(layerCount)")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.isBidirectional = isBidirectional
        self.hasBias = hasBias
    }
}
