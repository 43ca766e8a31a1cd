import GRUNetworks
import GRUTensor

/// The recurrent stack of a sequence model, of the cell its configuration names: one
/// `RecurrentLayer` per cell, so that the model runs every cell through the same calls.
///
/// Legend: T steps, B batch, H hidden size, L layers, D directions.
enum ModelRecurrence: Sendable {
    case gru(GRULayer)

    /// The stack of `configuration`'s cell and sizes.
    init(_ configuration: ModelConfiguration) {
        switch configuration.cell {
        case .gru: self = .gru(GRULayer(configuration.gru, zoneout: configuration.zoneout))
        }
    }

    /// The stack's tensors in buffer order, as PyTorch names them.
    var parameterSlots: [LayerParameterSlot] {
        switch self {
        case .gru(let layer): layer.parameterSlots
        }
    }

    /// The number of parameters in the stack's slice of the buffer.
    var parameterCount: Int {
        switch self {
        case .gru(let layer): layer.layout.count
        }
    }

    /// Whether the cell carries a cell state beside h (the LSTM's c).
    var carriesCellState: Bool { false }

    /// Draws fresh parameters into the stack's slice.
    func initialize(
        _ slice: UnsafeMutableBufferPointer<Float>, using generator: inout SeededGenerator,
        as scheme: GRUInitialization
    ) {
        switch self {
        case .gru(let layer): layer.initialize(slice, using: &generator, as: scheme)
        }
    }

    /// The stack over a time-major batch; see `RecurrentLayer.forward`.
    func forward(
        _ input: Tensor, initialState: RecurrentState?, lengths: [Int], weights: UnsafeBufferPointer<Float>,
        dropout: GRUDropout?
    ) throws -> RecurrentForwardResult {
        switch self {
        case .gru(let layer):
            try layer.forward(
                input, initialState: initialState?.hidden, lengths: lengths, weights: weights, dropout: dropout)
        }
    }

    /// Backpropagation through time; see `RecurrentLayer.backward`.
    func backward(
        _ result: RecurrentForwardResult, outputGradient: Tensor, weights: UnsafeBufferPointer<Float>,
        gradients: UnsafeMutableBufferPointer<Float>
    ) throws -> (input: Tensor, initialState: RecurrentState) {
        switch self {
        case .gru(let layer):
            let stateGradients = try layer.backward(
                result, outputGradient: outputGradient, weights: weights, gradients: gradients)
            return (stateGradients.input, RecurrentState(hidden: stateGradients.initialState))
        }
    }

    /// The final states of a forward result.
    func finalState(of result: RecurrentForwardResult) -> RecurrentState {
        RecurrentState(hidden: result.finalState)
    }
}

/// The state a recurrent stack starts from or ends in: h for every cell, and the LSTM's c.
public struct RecurrentState: Equatable, Sendable {
    /// (L*D, B, H) h, index layer * D + direction.
    public var hidden: Tensor
    /// (L*D, B, H) the cell state c of a cell that carries one (the LSTM); nil for the others.
    public var cell: Tensor?

    /// A state of h and, for the LSTM, c.
    public init(hidden: Tensor, cell: Tensor? = nil) {
        self.hidden = hidden
        self.cell = cell
    }

    /// The batch size B.
    public var batchSize: Int { hidden.shape[1] }
}
