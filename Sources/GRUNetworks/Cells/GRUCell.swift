import GRUTensor

/// The GRU as a recurrent cell: three gates r, z, n, both variants, on the packed recurrent
/// kernels. The math is documented once, on `GRUVariant`; each variant's step is one file,
/// forward beside backward (`GRUResetAfterStep`, `GRUResetBeforeStep`).
public struct GRUCell: RecurrentCell {
    /// Which candidate formulation the steps compute.
    public let variant: GRUVariant

    /// The cell of a GRU configuration.
    public init(_ configuration: GRUConfiguration) {
        self.init(variant: configuration.variant)
    }

    /// The cell of a variant.
    public init(variant: GRUVariant) {
        self.variant = variant
    }

    /// r, z and n.
    public static let gateCount = 3

    /// W_hh and b_hh in 16-unit panels, b_ih beside them.
    public func packStepWeights(
        hidden: Int, recurrentWeight: UnsafePointer<Float>, recurrentBias: UnsafePointer<Float>?,
        inputBias: UnsafePointer<Float>?
    ) -> PackedRecurrentWeights {
        PackedRecurrentWeights(
            hidden: hidden, recurrentWeight: recurrentWeight, recurrentBias: recurrentBias, inputBias: inputBias)
    }

    /// W_hh in 32-unit column panels.
    public func packGradientWeights(hidden: Int, recurrentWeight: UnsafePointer<Float>)
        -> PackedRecurrentGradientWeights
    {
        PackedRecurrentGradientWeights(hidden: hidden, recurrentWeight: recurrentWeight)
    }

    /// One forward step of the variant.
    public func forward(_ step: RecurrentForwardStep, weights: PackedRecurrentWeights, barrier: StepBarrier) {
        switch variant {
        case .resetAfter: GRUResetAfterStep.forward(step, weights: weights)
        case .resetBefore: GRUResetBeforeStep.forward(step, weights: weights, barrier: barrier)
        }
    }

    /// One backward step of the variant.
    public func backward(
        _ step: RecurrentBackwardStep, weights: PackedRecurrentGradientWeights, barrier: StepBarrier
    ) {
        switch variant {
        case .resetAfter: GRUResetAfterStep.backward(step, weights: weights, barrier: barrier)
        case .resetBefore: GRUResetBeforeStep.backward(step, weights: weights, barrier: barrier)
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
