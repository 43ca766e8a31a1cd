import GRUTensor

/// The plain Elman RNN as a recurrent cell, with `torch.nn.RNN`'s math and parameter names:
///
///     h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),  f = tanh or relu
///
/// with weight_ih_l{k} (H, I), weight_hh_l{k} (H, H), bias_ih_l{k} and bias_hh_l{k} (H). One
/// gate block; the vanishing-gradient baseline of the gated cells. The step is `RNNStep`.
///
/// Legend: H hidden size, I the layer's input width.
public struct RNNCell: RecurrentCell {
    /// The activation of the update.
    public let nonlinearity: RNNNonlinearity

    /// The cell of an RNN configuration.
    public init(_ configuration: RNNConfiguration) {
        self.init(nonlinearity: configuration.nonlinearity)
    }

    /// The cell of a nonlinearity.
    public init(nonlinearity: RNNNonlinearity) {
        self.nonlinearity = nonlinearity
    }

    /// One block: the pre-activation itself.
    public static let gateCount = 1

    /// W_hh^T in 32-unit column panels, b_ih + b_hh beside it.
    public func packStepWeights(
        hidden: Int, recurrentWeight: UnsafePointer<Float>, recurrentBias: UnsafePointer<Float>?,
        inputBias: UnsafePointer<Float>?
    ) -> RNNRecurrentWeights {
        var bias: [Float]? = nil
        if recurrentBias != nil || inputBias != nil {
            bias = (0..<hidden).map { (recurrentBias?[$0] ?? 0) + (inputBias?[$0] ?? 0) }
        }
        return RNNRecurrentWeights(
            matrix: ColumnPanelledMatrix(transposing: recurrentWeight, rows: hidden, columns: hidden), bias: bias)
    }

    /// W_hh in 32-unit column panels.
    public func packGradientWeights(hidden: Int, recurrentWeight: UnsafePointer<Float>) -> RNNRecurrentWeights {
        RNNRecurrentWeights(
            matrix: ColumnPanelledMatrix(rows: hidden, columns: hidden, values: recurrentWeight), bias: nil)
    }

    /// One forward step.
    public func forward(_ step: RecurrentForwardStep, weights: RNNRecurrentWeights, barrier: StepBarrier) {
        RNNStep.forward(step, weights: weights, activation: nonlinearity.activation)
    }

    /// One backward step.
    public func backward(_ step: RecurrentBackwardStep, weights: RNNRecurrentWeights, barrier: StepBarrier) {
        RNNStep.backward(step, weights: weights, activation: nonlinearity.activation, barrier: barrier)
    }

    /// dW_hh (H, H) += dL/d(pre-activation)^T (recurrent inputs), over all T*B rows.
    public func accumulateRecurrentWeightGradient(
        rows: Int, hidden: Int, hiddenProjectionGradient: UnsafePointer<Float>,
        recurrentInputs: UnsafePointer<Float>, auxiliary: UnsafePointer<Float>,
        into recurrentWeightGradient: UnsafeMutablePointer<Float>
    ) {
        Matmul.gemm(
            transposeA: true, transposeB: false, m: hidden, n: hidden, k: rows,
            a: hiddenProjectionGradient, lda: hidden, b: recurrentInputs, ldb: hidden,
            beta: 1, c: recurrentWeightGradient, ldc: hidden)
    }
}

/// A stacked, optionally bidirectional plain RNN layer over parameters in someone else's flat
/// buffer: the shared recurrent sweep with the RNN cell.
public typealias RNNLayer = RecurrentLayer<RNNCell>

/// One direction's W_hh packed for the RNN's steps: W_hh^T (forward, with b_ih + b_hh) or
/// W_hh (backward) in 32-unit column panels, the units threads share a step by.
public struct RNNRecurrentWeights: PanelledRecurrentWeights, @unchecked Sendable {
    /// The packed (H, H) matrix of the step's product.
    public let matrix: ColumnPanelledMatrix
    /// (H) b_ih + b_hh, or nil without biases or for the backward steps.
    public let bias: [Float]?

    /// The hidden size.
    public var hidden: Int { matrix.columnCount }
    /// The number of 32-unit panels.
    public var panelCount: Int { matrix.panelCount }
    /// Its panels are 32 units wide.
    public var sixteenUnitPanelCount: Int { 2 * matrix.panelCount }
    /// The hidden units of `panels`.
    public func units(of panels: Range<Int>) -> Range<Int> { matrix.columns(of: panels) }
}
