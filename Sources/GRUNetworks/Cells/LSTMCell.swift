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
    /// The activation of g and of c in h = o * act(c) (tanh in PyTorch), Keras's `activation`.
    public var activation: RecurrentActivation
    /// The activation of i, f and o (sigmoid in PyTorch), Keras's `recurrent_activation`.
    public var recurrentActivation: RecurrentActivation

    /// A configuration; one forward layer with biases and PyTorch's activations unless told
    /// otherwise.
    public init(
        inputSize: Int, hiddenSize: Int, layerCount: Int = 1, isBidirectional: Bool = false, hasBias: Bool = true,
        activation: RecurrentActivation = .tanh, recurrentActivation: RecurrentActivation = .sigmoid
    ) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.isBidirectional = isBidirectional
        self.hasBias = hasBias
        self.activation = activation
        self.recurrentActivation = recurrentActivation
    }

    /// Whether the activations are PyTorch's, tanh and sigmoid, which the fused kernels compute.
    public var hasDefaultActivations: Bool { activation == .tanh && recurrentActivation == .sigmoid }
}

/// The LSTM as a recurrent cell, with `torch.nn.LSTM`'s math and gate order: four gate blocks
/// i, f, g, o in the rows of W_ih (4H, I), W_hh (4H, H), b_ih and b_hh (4H), and a cell state c
/// carried beside h. With a = W_ih x + b_ih + W_hh h + b_hh:
///
///     i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
///     c' = f * c + i * g,  h' = o * tanh(c')
///
/// with sigmoid replaced by `recurrentActivation` and tanh (both) by `activation` when the
/// configuration chooses others, as Keras's `LSTM` does.
///
/// The step is `LSTMStep` (forward beside backward) on `LSTMStepWeights` and
/// `LSTMGradientWeights`, with the fused elementwise math of `LSTMGateKernels`; other
/// activations take `LSTMGeneralStep` on the same weights.
/// Legend: H hidden size.
public struct LSTMCell: RecurrentCell {
    /// The activation of g and of c in h.
    public let activation: RecurrentActivation
    /// The activation of i, f and o.
    public let recurrentActivation: RecurrentActivation
    /// Whether the steps run the fused kernels (tanh and sigmoid only) rather than `LSTMGeneralStep`.
    public let usesFusedKernels: Bool

    /// The cell of an LSTM configuration.
    public init(_ configuration: LSTMConfiguration) {
        self.init(activation: configuration.activation, recurrentActivation: configuration.recurrentActivation)
    }

    /// The cell of two activations; `forcesGeneralPath` runs the general path even for tanh
    /// and sigmoid (tests compare it with the fused kernels).
    public init(
        activation: RecurrentActivation = .tanh, recurrentActivation: RecurrentActivation = .sigmoid,
        forcesGeneralPath: Bool = false
    ) {
        self.activation = activation
        self.recurrentActivation = recurrentActivation
        usesFusedKernels = !forcesGeneralPath && activation == .tanh && recurrentActivation == .sigmoid
    }

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
        guard usesFusedKernels else {
            return LSTMGeneralStep.forward(
                step, weights: weights, activation: activation, recurrentActivation: recurrentActivation,
                barrier: barrier)
        }
        LSTMStep.forward(step, weights: weights, barrier: barrier)
    }

    /// One backward step.
    public func backward(_ step: RecurrentBackwardStep, weights: LSTMGradientWeights, barrier: StepBarrier) {
        guard usesFusedKernels else {
            return LSTMGeneralStep.backward(
                step, weights: weights, activation: activation, recurrentActivation: recurrentActivation,
                barrier: barrier)
        }
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
