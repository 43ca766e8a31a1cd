/// The recurrent cells a sequence model can be built of (`gru train --cell`): the GRU and the
/// relatives a user measures it against.
public enum RecurrentCellKind: String, CaseIterable, Codable, Sendable {
    /// The gated recurrent unit, in either `GRUVariant`.
    case gru

    /// The submodule name of the stack's tensors in a model's files (`gru.weight_ih_l0`,
    /// `lstm.weight_ih_l0`), as a PyTorch module with that attribute would save them.
    public var moduleName: String { rawValue }

    /// Gate blocks in each projection row: 3 for the GRU.
    public var gateCount: Int {
        switch self {
        case .gru: GRUCell.gateCount
        }
    }

    /// The cell's name in messages: "GRU", "LSTM", "RNN".
    public var displayName: String { rawValue.uppercased() }
}
