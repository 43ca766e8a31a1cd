/// The shape of a (possibly stacked, possibly bidirectional) plain Elman RNN, as
/// `torch.nn.RNN` takes it: the stack's sizes and the nonlinearity of its update.
public struct RNNConfiguration: RecurrentStackConfiguration, Hashable, Codable {
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
    /// The activation of the update, PyTorch's `nonlinearity`.
    public var nonlinearity: RNNNonlinearity

    /// A configuration; sizes must be positive.
    public init(
        inputSize: Int, hiddenSize: Int, layerCount: Int = 1, isBidirectional: Bool = false,
        hasBias: Bool = true, nonlinearity: RNNNonlinearity = .tanh
    ) {
        precondition(
            inputSize > 0 && hiddenSize > 0 && layerCount > 0,
            "RNN sizes must be positive: input \(inputSize), hidden \(hiddenSize), layers \(layerCount)")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.isBidirectional = isBidirectional
        self.hasBias = hasBias
        self.nonlinearity = nonlinearity
    }
}

/// The activations `torch.nn.RNN` offers for its update, named as its `nonlinearity` argument.
public enum RNNNonlinearity: String, CaseIterable, Codable, Sendable {
    case tanh
    case relu

    /// The nonlinearity a user named, `tanh` or `relu`.
    ///
    /// - Parameter setting: what the error names: the flag or attribute the value came from.
    /// - Throws: `GRUInputError` naming the value and the accepted names.
    public init(parsing name: String, setting: String = "nonlinearity") throws {
        guard let nonlinearity = Self(rawValue: name) else {
            let accepted = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw GRUInputError(.setting(setting), found: "'\(name)'", expected: "one of \(accepted)")
        }
        self = nonlinearity
    }

    /// The activation it is.
    public var activation: RecurrentActivation {
        switch self {
        case .tanh: .tanh
        case .relu: .relu
        }
    }
}
