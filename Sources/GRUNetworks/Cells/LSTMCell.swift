import GRUTensor

/// The sizes of a stack of LSTM layers, as `torch.nn.LSTM` takes them.
///
/// Legend: I input size, H hidden size.
public struct LSTMConfiguration: RecurrentStackConfiguration {
    /// Features per time step of the input, I.
    public var inputSize: Int
    /// Features of h and c per direction, H.
    public var hiddenSize: Int
    /// Number of stacked layers.
    public var layerCount: Int
    /// Whether each layer also runs a reverse-time direction.
    public var isBidirectional: Bool
    /// Whether each layer and direction has b_ih and b_hh.
    public var hasBias: Bool

    /// A configuration; one forward layer with biases unless told otherwise, as PyTorch.
    public init(
        inputSize: Int, hiddenSize: Int, layerCount: Int = 1, isBidirectional: Bool = false, hasBias: Bool = true
    ) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.isBidirectional = isBidirectional
        self.hasBias = hasBias
    }
}

/// The LSTM as a recurrent cell, with `torch.nn.LSTM`'s math and gate order: four gate blocks
/// i, f, g, o in the rows of W_ih (4H, I), W_hh (4H, H), b_ih and b_hh (4H), and a cell state c
/// carried beside h. With a = W_ih x + b_ih + W_hh h + b_hh:
///
///     i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
///     c' = f * c + i * g,  h' = o * tanh(c')
///
/// The step is `LSTMStep` (forward beside backward) on `LSTMStepWeights` and
/// `LSTMGradientWeights`; the elementwise math is `LSTMGateKernels`.
/// Legend: H hidden size.
public struct LSTMCell: RecurrentCell {
    /// The cell of an LSTM configuration; the LSTM has no settings of its own.
    public init(_ configuration: LSTMConfiguration) {}

    /// i, f, g and o.
    public static let gateCount = 4

    /// The LSTM carries c beside h.
    public static var carriesCellState: Bool { true }

    /// W_hh^T in 32-column panels, b_ih + b_hh beside it.
    public func packStepWeights(
        hidden: Int, recurrentWeight: UnsafePointer<Float>, recurrentBias: UnsafePointer<Float>?,
        inputBias: UnsafePointer<Float>?
    ) -> LSTMStepWeights {
        LSTMStepWeights(
            hidden: hidden, recurrentWeight: recurrentWeight, recurrentBias: recurrentBias, inputBias: inputBias)
    }

    /// W_hh in 32-column panels.
    public func packGradientWeights(hidden: Int, recurrentWeight: UnsafePointer<Float>) -> LSTMGradientWeights {
        LSTMGradientWeights(hidden: hidden, recurrentWeight: recurrentWeight)
    }

    /// One forward step.
    public func forward(_ step: RecurrentForwardStep, weights: LSTMStepWeights, barrier: StepBarrier) {
        LSTMStep.forward(step, weights: weights, barrier: barrier)
    }

    /// One backward step.
    public func backward(_ step: RecurrentBackwardStep, weights: LSTMGradientWeights, barrier: StepBarrier) {
        LSTMStep.backward(step, weights: weights, barrier: barrier)
    }

    /// dW_hh (4H, H) += dL/da^T (recurrent inputs) over all T*B rows.
    public func accumulateRecurrentWeightGradient(
        rows: Int, hidden: Int, hiddenProjectionGradient: UnsafePointer<Float>,
        recurrentInputs: UnsafePointer<Float>, auxiliary: UnsafePointer<Float>,
        into recurrentWeightGradient: UnsafeMutablePointer<Float>
    ) {
        RecurrentSweep.accumulateRecurrentWeightGradient(
            gates: 4, rows: rows, hidden: hidden, hiddenProjectionGradient: hiddenProjectionGradient,
            recurrentInputs: recurrentInputs, into: recurrentWeightGradient)
    }
}

/// A stacked, optionally bidirectional LSTM layer over parameters in someone else's flat
/// buffer: the shared recurrent sweep with the LSTM cell.
public typealias LSTMLayer = RecurrentLayer<LSTMCell>
