import GRUTensor

/// The sizes of a stack of recurrent layers that every cell shares, as PyTorch's `RNNBase`
/// takes them for `nn.GRU`, `nn.LSTM` and `nn.RNN` alike: input and hidden size, layers,
/// directions and whether there are biases. A cell's own configuration adds what is its own
/// (the GRU's variant).
///
/// Legend: I input size, H hidden size, L layers, D directions.
public protocol RecurrentStackConfiguration: Equatable, Sendable {
    /// Features per time step of the input, I.
    var inputSize: Int { get }
    /// Features of the hidden state per direction, H.
    var hiddenSize: Int { get }
    /// Number of stacked layers; layer k > 0 reads layer k - 1's output of width D * H.
    var layerCount: Int { get }
    /// Whether each layer also runs a reverse-time direction, concatenated after the forward one.
    var isBidirectional: Bool { get }
    /// Whether each layer and direction has the bias vectors b_ih and b_hh.
    var hasBias: Bool { get }
}

extension RecurrentStackConfiguration {
    /// D: 2 when bidirectional, else 1.
    public var directionCount: Int { isBidirectional ? 2 : 1 }

    /// The width of the output at each time step, D * H.
    public var outputSize: Int { directionCount * hiddenSize }

    /// The number of initial or final states, L * D.
    public var stateCount: Int { layerCount * directionCount }

    /// The input width of the given layer: I for layer 0, D * H above it.
    public func inputSize(ofLayer layer: Int) -> Int {
        layer == 0 ? inputSize : outputSize
    }
}

extension RecurrentStackConfiguration {
    /// The number of parameters of a stack of cells with `gateCount` gates, or nil when it is
    /// too large to count in an `Int` (sizes from a command line are checked with it before
    /// anything is allocated).
    public func parameterCountIfRepresentable(gateCount: Int) -> Int? {
        typealias Checked = CheckedArithmetic
        let h = hiddenSize, g = gateCount
        let biases = hasBias ? Checked.product(2 * g, h) : 0
        let first = Checked.sum(Checked.product(g, h, inputSize), Checked.product(g, h, h), biases)
        let upper = Checked.sum(Checked.product(g, h, directionCount, h), Checked.product(g, h, h), biases)
        return Checked.product(directionCount, Checked.sum(first, Checked.product(upper, layerCount - 1)))
    }
}
