import GRUTensor

/// The GRU as a recurrent cell: three gates r, z, n, both variants. The math is documented
/// once, on `GRUVariant`; each variant's step is one file, forward beside backward: on the
/// fused kernels for PyTorch's tanh and sigmoid (`GRUResetAfterStep`, `GRUResetBeforeStep`),
/// on the general path for any other activations (`GRUResetAfterGeneralStep`,
/// `GRUResetBeforeGeneralStep`).
public struct GRUCell: RecurrentCell {
    /// Which candidate formulation the steps compute.
    public let variant: GRUVariant
    /// The candidate's activation f (tanh in PyTorch).
    public let activation: RecurrentActivation
    /// The gates' activation s (sigmoid in PyTorch).
    public let recurrentActivation: RecurrentActivation
    /// Whether the steps run the fused kernels (tanh and sigmoid only) rather than the general
    /// path (`GRUResetAfterGeneralStep`, `GRUResetBeforeGeneralStep`).
    public let usesFusedKernels: Bool

    /// The cell of a GRU configuration.
    public init(_ configuration: GRUConfiguration) {
        self.init(
            variant: configuration.variant, activation: configuration.activation,
            recurrentActivation: configuration.recurrentActivation)
    }

    /// The cell of a variant and activations; `forcesGeneralPath` runs the general path even
    /// for tanh and sigmoid (tests compare it with the fused kernels).
    public init(
        variant: GRUVariant, activation: RecurrentActivation = .tanh,
        recurrentActivation: RecurrentActivation = .sigmoid,
        forcesGeneralPath: Bool = false
    ) {
        self.variant = variant
        self.activation = activation
        self.recurrentActivation = recurrentActivation
        usesFusedKernels = !forcesGeneralPath && activation == .tanh && recurrentActivation == .sigmoid
    }

    private var activations: GRUActivations { GRUActivations(candidate: activation, gate: recurrentActivation) }

    /// r, z and n.
    public static let gateCount = 3

    /// W_hh and b_hh in 16-unit panels, b_ih beside them, for the fused kernels; W_hh^T in
    /// 32-column panels with both biases for the general path.
    public func packStepWeights(
        hidden: Int, recurrentWeight: UnsafePointer<Float>, recurrentBias: UnsafePointer<Float>?,
        inputBias: UnsafePointer<Float>?
    ) -> GRUStepWeights {
        guard usesFusedKernels else {
            return .general(
                GRUGeneralStepWeights(
                    variant: variant, hidden: hidden, recurrentWeight: recurrentWeight, recurrentBias: recurrentBias,
                    inputBias: inputBias))
        }
        return .fused(
            PackedRecurrentWeights(
                hidden: hidden, recurrentWeight: recurrentWeight, recurrentBias: recurrentBias, inputBias: inputBias))
    }

    /// W_hh in 32-unit column panels.
    public func packGradientWeights(hidden: Int, recurrentWeight: UnsafePointer<Float>)
        -> PackedRecurrentGradientWeights
    {
        PackedRecurrentGradientWeights(hidden: hidden, recurrentWeight: recurrentWeight)
    }

    /// One forward step of the variant.
    public func forward(_ step: RecurrentForwardStep, weights: GRUStepWeights, barrier: StepBarrier) {
        switch (weights, variant) {
        case (.fused(let weights), .resetAfter): GRUResetAfterStep.forward(step, weights: weights)
        case (.fused(let weights), .resetBefore): GRUResetBeforeStep.forward(step, weights: weights, barrier: barrier)
        case (.general(let weights), .resetAfter):
            GRUResetAfterGeneralStep.forward(step, weights: weights, activations: activations, barrier: barrier)
        case (.general(let weights), .resetBefore):
            GRUResetBeforeGeneralStep.forward(step, weights: weights, activations: activations, barrier: barrier)
        }
    }

    /// One backward step of the variant.
    public func backward(
        _ step: RecurrentBackwardStep, weights: PackedRecurrentGradientWeights, barrier: StepBarrier
    ) {
        switch (usesFusedKernels, variant) {
        case (true, .resetAfter): GRUResetAfterStep.backward(step, weights: weights, barrier: barrier)
        case (true, .resetBefore): GRUResetBeforeStep.backward(step, weights: weights, barrier: barrier)
        case (false, .resetAfter):
            GRUResetAfterGeneralStep.backward(step, weights: weights, activations: activations, barrier: barrier)
        case (false, .resetBefore):
            GRUResetBeforeGeneralStep.backward(step, weights: weights, activations: activations, barrier: barrier)
        }
    }

    /// dW_hh of the variant; reset-before's candidate rows saw r * h, cached in `auxiliary`.
    public func accumulateRecurrentWeightGradient(
        rows: Int, hidden: Int, hiddenProjectionGradient: UnsafePointer<Float>,
        recurrentInputs: UnsafePointer<Float>, auxiliary: UnsafePointer<Float>,
        into recurrentWeightGradient: UnsafeMutablePointer<Float>
    ) {
        switch variant {
        case .resetAfter:
            GRUResetAfterStep.accumulateRecurrentWeightGradient(
                rows: rows, hidden: hidden, hiddenProjectionGradient: hiddenProjectionGradient,
                recurrentInputs: recurrentInputs, into: recurrentWeightGradient)
        case .resetBefore:
            GRUResetBeforeStep.accumulateRecurrentWeightGradient(
                rows: rows, hidden: hidden, hiddenProjectionGradient: hiddenProjectionGradient,
                recurrentInputs: recurrentInputs, resetStates: auxiliary, into: recurrentWeightGradient)
        }
    }
}

/// A stacked, optionally bidirectional GRU layer over parameters in someone else's flat
/// buffer: the shared recurrent sweep with the GRU cell.
public typealias GRULayer = RecurrentLayer<GRUCell>

extension PackedRecurrentWeights: PanelledRecurrentWeights {
    /// Its panels are 16 units wide.
    public var sixteenUnitPanelCount: Int { panelCount }
}

extension PackedRecurrentGradientWeights: PanelledRecurrentWeights {
    /// Its panels are 32 units wide.
    public var sixteenUnitPanelCount: Int { 2 * panelCount }
}
