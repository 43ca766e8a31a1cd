import GRUTensor

/// One direction's LSTM recurrent weights packed for the forward steps: W_hh^T (H, 4H) as a
/// `ColumnPanelledMatrix`, and the summed bias b_ih + b_hh (4H).
///
/// Threads share a step by 32-unit blocks of H (its panels): a thread's block of every gate
/// is the unit of the elementwise pass. The product before it is shared by the matrix's own
/// 32-column panels of the 4H gate columns, in proportion, so that it needs no permutation
/// of W_hh; a barrier separates the two passes when threads share units.
/// Legend: H hidden size.
public final class LSTMStepWeights: PanelledRecurrentWeights, @unchecked Sendable {
    /// H.
    public let hidden: Int
    /// W_hh^T (H, 4H).
    let transposedWeight: ColumnPanelledMatrix
    /// b_ih + b_hh (4H), or nil without biases.
    let bias: ScratchBuffer?

    /// Packs W_hh (4H, H) and the biases (4H each, or nil).
    public init(
        hidden: Int, recurrentWeight: UnsafePointer<Float>, recurrentBias: UnsafePointer<Float>?,
        inputBias: UnsafePointer<Float>?
    ) {
        self.hidden = hidden
        transposedWeight = ColumnPanelledMatrix(transposing: recurrentWeight, rows: 4 * hidden, columns: hidden)
        if recurrentBias == nil && inputBias == nil {
            bias = nil
        } else {
            let sum = ScratchBuffer(count: 4 * hidden)
            for j in 0..<4 * hidden { sum.pointer[j] = (recurrentBias?[j] ?? 0) + (inputBias?[j] ?? 0) }
            bias = sum
        }
    }

    /// 32-unit blocks of H.
    public var panelCount: Int { (hidden + 31) / 32 }

    /// Two 16-unit panels to each 32-unit block.
    public var sixteenUnitPanelCount: Int { 2 * panelCount }

    /// The hidden units of `panels`.
    public func units(of panels: Range<Int>) -> Range<Int> {
        min(32 * panels.lowerBound, hidden)..<min(32 * panels.upperBound, hidden)
    }

    /// The matrix panels of the product that the unit blocks `panels` take: the same share of
    /// the 4H columns' panels, so the parts' shares tile them.
    func productPanels(of panels: Range<Int>) -> Range<Int> {
        let total = transposedWeight.panelCount, blocks = panelCount
        return (panels.lowerBound * total / blocks)..<(panels.upperBound * total / blocks)
    }
}

/// One direction's LSTM recurrent weights packed for the backward steps: W_hh (4H, H) as a
/// `ColumnPanelledMatrix`, whose 32-column panels are 32-unit blocks of H.
/// Legend: H hidden size.
public final class LSTMGradientWeights: PanelledRecurrentWeights, @unchecked Sendable {
    /// H.
    public let hidden: Int
    /// W_hh (4H, H).
    let weight: ColumnPanelledMatrix

    /// Packs W_hh (4H, H).
    public init(hidden: Int, recurrentWeight: UnsafePointer<Float>) {
        self.hidden = hidden
        weight = ColumnPanelledMatrix(rows: 4 * hidden, columns: hidden, values: recurrentWeight)
    }

    /// 32-unit blocks of H.
    public var panelCount: Int { weight.panelCount }

    /// Two 16-unit panels to each 32-unit block.
    public var sixteenUnitPanelCount: Int { 2 * panelCount }

    /// The hidden units of `panels`.
    public func units(of panels: Range<Int>) -> Range<Int> { weight.columns(of: panels) }
}
