import GRUNetworks
import GRUTensor

/// The recurrent stack of a sequence model, of the cell its configuration names: the one
/// `RecurrentLayer` of that cell, so that the model runs every cell through the same calls.
///
/// Legend: T steps, B batch, H hidden size, L layers, D directions.
struct ModelRecurrence: Sendable {
    let layer: any ModelRecurrentLayer

    /// The stack of `configuration`'s cell and sizes.
    init(_ configuration: ModelConfiguration) {
        let (input, hidden, layers, bidirectional) =
            (configuration.gruInputSize, configuration.hiddenSize, configuration.layers, configuration.bidirectional)
        let zoneout = configuration.zoneout
        switch configuration.cell {
        case .gru:
            layer = GRULayer(configuration.gru, zoneout: zoneout)
        case .lstm:
            layer = LSTMLayer(
                LSTMConfiguration(
                    inputSize: input, hiddenSize: hidden, layerCount: layers, isBidirectional: bidirectional,
                    activation: configuration.activation, recurrentActivation: configuration.recurrentActivation),
                zoneout: zoneout)
        case .rnn:
            layer = RNNLayer(
                RNNConfiguration(
                    inputSize: input, hiddenSize: hidden, layerCount: layers, isBidirectional: bidirectional,
                    nonlinearity: configuration.nonlinearity),
                zoneout: zoneout)
        case .layerNormGRU:
            layer = LayerNormGRULayer(
                LayerNormGRUConfiguration(
                    inputSize: input, hiddenSize: hidden, layerCount: layers, isBidirectional: bidirectional),
                zoneout: zoneout)
        }
    }

    /// The stack's tensors in buffer order, as PyTorch names them.
    var parameterSlots: [LayerParameterSlot] { layer.parameterSlots }

    /// The number of parameters in the stack's slice of the buffer.
    var parameterCount: Int { layer.parameterCount }

    /// Whether the cell carries a cell state beside h (the LSTM's c).
    var carriesCellState: Bool { layer.carriesCellState }

    /// Draws fresh parameters into the stack's slice.
    func initialize(
        _ slice: UnsafeMutableBufferPointer<Float>, using generator: inout SeededGenerator,
        as scheme: GRUInitialization
    ) {
        layer.initialize(slice, using: &generator, as: scheme)
    }

    /// The stack over a time-major batch; see `RecurrentLayer.forward`.
    func forward(
        _ input: Tensor, initialState: RecurrentState?, lengths: [Int], weights: UnsafeBufferPointer<Float>,
        dropout: GRUDropout?
    ) throws -> RecurrentForwardResult {
        // A stream's first chunk of an LSTM starts from c = 0 when only h is carried.
        try layer.forward(
            input, initialState: initialState?.hidden,
            initialCellState: layer.carriesCellState ? initialState?.cell : nil, lengths: lengths,
            layout: .timeMajor, weights: weights, dropout: dropout)
    }

    /// Backpropagation through time; see `RecurrentLayer.backward`.
    func backward(
        _ result: RecurrentForwardResult, outputGradient: Tensor, weights: UnsafeBufferPointer<Float>,
        gradients: UnsafeMutableBufferPointer<Float>
    ) throws -> (input: Tensor, initialState: RecurrentState) {
        let stateGradients = try layer.backward(
            result, outputGradient: outputGradient, finalStateGradient: nil, finalCellStateGradient: nil,
            weights: weights, gradients: gradients)
        return (
            stateGradients.input,
            RecurrentState(hidden: stateGradients.initialState, cell: stateGradients.initialCellState)
        )
    }

    /// The final states of a forward result.
    func finalState(of result: RecurrentForwardResult) -> RecurrentState {
        RecurrentState(hidden: result.finalState, cell: result.finalCellState)
    }
}

/// What a model needs of a recurrent layer, whatever its cell: `RecurrentLayer` of every cell.
protocol ModelRecurrentLayer: Sendable {
    var parameterSlots: [LayerParameterSlot] { get }
    var parameterCount: Int { get }
    var carriesCellState: Bool { get }
    func initialize(
        _ slice: UnsafeMutableBufferPointer<Float>, using generator: inout SeededGenerator,
        as scheme: GRUInitialization)
    func forward(
        _ input: Tensor, initialState: Tensor?, initialCellState: Tensor?, lengths: [Int]?, layout: SequenceLayout,
        weights: UnsafeBufferPointer<Float>, dropout: GRUDropout?
    ) throws -> RecurrentForwardResult
    func backward(
        _ result: RecurrentForwardResult, outputGradient: Tensor, finalStateGradient: Tensor?,
        finalCellStateGradient: Tensor?, weights: UnsafeBufferPointer<Float>,
        gradients: UnsafeMutableBufferPointer<Float>
    ) throws -> RecurrentStateGradients
}

extension RecurrentLayer: ModelRecurrentLayer {
    var parameterCount: Int { layout.count }
    var carriesCellState: Bool { Cell.carriesCellState }
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
