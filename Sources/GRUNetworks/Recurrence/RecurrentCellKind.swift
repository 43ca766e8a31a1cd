/// The recurrent cells a sequence model can be built of (`gru train --cell`): the GRU and the
/// relatives a user measures it against.
public enum RecurrentCellKind: String, CaseIterable, Codable, Sendable {
    /// The gated recurrent unit, in either `GRUVariant`.
    case gru
    /// The long short-term memory cell, as `torch.nn.LSTM` computes it.
    case lstm
    /// The plain (Elman) recurrent cell, as `torch.nn.RNN` computes it (tanh or relu): the
    /// vanishing-gradient baseline.
    case rnn
    /// The layer-normalized GRU of Ba et al. 2016, as Haste's LayerNormGRU computes it.
    case layerNormGRU = "layer-norm-gru"

    /// The submodule name of the stack's tensors in a model's files (`gru.weight_ih_l0`,
    /// `lstm.weight_ih_l0`), as a PyTorch module with that attribute would save them.
    public var moduleName: String { self == .layerNormGRU ? "layer_norm_gru" : rawValue }

    /// Gate blocks in each projection row: 3 for the GRU, 4 for the LSTM, 1 for the RNN.
    public var gateCount: Int {
        switch self {
        case .gru: GRUCell.gateCount
        case .lstm: LSTMCell.gateCount
        case .rnn: RNNCell.gateCount
        case .layerNormGRU: LayerNormGRUCell.gateCount
        }
    }

    /// Parameters per layer and direction beside the four weight tensors: the layer-norm
    /// GRU's (2, 3H) gains.
    public func extraParameterCount(hiddenSize: Int) -> Int {
        self == .layerNormGRU ? 6 * hiddenSize : 0
    }

    /// Whether it carries a cell state beside h (the LSTM's c).
    public var carriesCellState: Bool { self == .lstm }

    /// The cell's name in messages: "GRU", "LSTM", "RNN", "layer-norm GRU".
    public var displayName: String { self == .layerNormGRU ? "layer-norm GRU" : rawValue.uppercased() }
}
