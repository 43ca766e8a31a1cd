import GRUTensor

/// One direction's GRU recurrent weights packed for the forward steps: for PyTorch's
/// activations (tanh, sigmoid), the fused kernels' `PackedRecurrentWeights`; for any other,
/// the general path's `GRUGeneralStepWeights`.
public enum GRUStepWeights: PanelledRecurrentWeights, Sendable {
    /// W_hh and b_hh in 16-unit panels with the gates applied in registers.
    case fused(PackedRecurrentWeights)
    /// W_hh^T as a plain product before an elementwise pass that takes any activations.
    case general(GRUGeneralStepWeights)

    /// The hidden size.
    public var hidden: Int {
        switch self {
        case .fused(let weights): weights.hidden
        case .general(let weights): weights.hidden
        }
    }

    /// The number of panels of the packing.
    public var panelCount: Int {
        switch self {
        case .fused(let weights): weights.panelCount
        case .general(let weights): weights.panelCount
        }
    }

    /// How many 16-unit panels the packing's units make.
    public var sixteenUnitPanelCount: Int {
        switch self {
        case .fused(let weights): weights.panelCount
        case .general(let weights): 2 * weights.panelCount
        }
    }

    /// The hidden units of `panels`.
    public func units(of panels: Range<Int>) -> Range<Int> {
        switch self {
        case .fused(let weights): weights.units(of: panels)
        case .general(let weights): weights.units(of: panels)
        }
    }
}

/// One direction's GRU recurrent weights packed for the general path's forward steps (any
/// activations): W_hh^T (H, 3H) as a `ColumnPanelledMatrix`, for reset-before also W_hn^T
/// (H, H) for its second product, and b_ih and b_hh (3H each, zeros without biases).
///
/// Threads share a step by 32-unit blocks of H (its panels), as `LSTMStepWeights`: the
/// product before an elementwise pass is shared by the matrix's own 32-column panels in
/// proportion, and a barrier separates them when threads share units.
/// Legend: H hidden size.
public final class GRUGeneralStepWeights: @unchecked Sendable {
    /// H.
    public let hidden: Int
    /// W_hh^T (H, 3H).
    let transposedWeight: ColumnPanelledMatrix
    /// W_hn^T (H, H), reset-before's product with r * h; nil for reset-after.
    let transposedCandidateWeight: ColumnPanelledMatrix?
    /// b_ih (3H), zeros without biases.
    let inputBias: ScratchBuffer
    /// b_hh (3H), zeros without biases.
    let recurrentBias: ScratchBuffer

    /// Packs W_hh (3H, H) and the biases (3H each, or nil) for `variant`.
    public init(
        variant: GRUVariant, hidden: Int, recurrentWeight: UnsafePointer<Float>,
        recurrentBias: UnsafePointer<Float>?, inputBias: UnsafePointer<Float>?
    ) {
        self.hidden = hidden
        transposedWeight = ColumnPanelledMatrix(transposing: recurrentWeight, rows: 3 * hidden, columns: hidden)
        transposedCandidateWeight =
            variant == .resetBefore
            ? ColumnPanelledMatrix(transposing: recurrentWeight + 2 * hidden * hidden, rows: hidden, columns: hidden)
            : nil
        self.inputBias = ScratchBuffer(count: 3 * hidden)
        self.recurrentBias = ScratchBuffer(count: 3 * hidden)
        if let inputBias { self.inputBias.pointer.update(from: inputBias, count: 3 * hidden) }
        if let recurrentBias { self.recurrentBias.pointer.update(from: recurrentBias, count: 3 * hidden) }
    }

    /// 32-unit blocks of H.
    public var panelCount: Int { (hidden + 31) / 32 }

    /// The hidden units of `panels`.
    public func units(of panels: Range<Int>) -> Range<Int> {
        min(32 * panels.lowerBound, hidden)..<min(32 * panels.upperBound, hidden)
    }

    /// The panels of W_hh^T's first `columns` columns that the unit blocks `panels` take: the
    /// same share, so the parts' shares tile them. Columns past `columns` in the last panel
    /// are computed too; the steps write over them later.
    func productPanels(of panels: Range<Int>, columns: Int) -> Range<Int> {
        let total = (columns + ColumnPanelledMatrix.panelWidth - 1) / ColumnPanelledMatrix.panelWidth
        let blocks = panelCount
        return (panels.lowerBound * total / blocks)..<(panels.upperBound * total / blocks)
    }
}
