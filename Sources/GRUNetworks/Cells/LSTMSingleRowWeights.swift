import GRUTensor

/// One direction's LSTM weights packed for steps of a single row (streaming, one sequence):
/// W_ih^T and W_hh^T as `ColumnPanelledMatrix`es whose gate columns are regrouped by 32-unit
/// block, and b_ih + b_hh in the same order.
///
/// `LSTMStepWeights` keeps PyTorch's column order [i | f | g | o], so a thread that owns some
/// units needs columns that other threads' panels compute, and every step waits at a barrier
/// between the products and the gates. Here block u's columns are
/// [i_u | f_u | g_u | o_u] (32 each, zero past H) and form the four panels 4u..<4u+4: a thread
/// computes its blocks' projections, products and gates alone, reading only its share of the
/// weights, and one step needs no barrier but the join at its end (at H = 128 on two loaded
/// cores, the barrier between the passes cost 0.6 ms a step whenever the other thread was
/// descheduled). The gates run on `LSTMGateKernels.forward` with a gate stride of 32 for one
/// row, the layout of a block.
/// Legend: I input size, H hidden size, U = ceil(H / 32) unit blocks.
public final class LSTMSingleRowWeights: PanelledRecurrentWeights, @unchecked Sendable {
    /// H.
    public let hidden: Int
    /// I.
    public let inputSize: Int
    /// Units per block, and the gate stride within a block.
    static let blockUnits = 32
    private let inputWeight: ColumnPanelledMatrix  // (I, 4 * 32 U)
    private let recurrentWeight: ColumnPanelledMatrix  // (H, 4 * 32 U)
    private let bias: ScratchBuffer  // (4 * 32 U), zeros without biases

    /// Packs W_ih (4H, I), W_hh (4H, H) and the biases (4H each, or nil), PyTorch's layout.
    public init(
        hidden: Int, inputSize: Int, inputWeight: UnsafePointer<Float>, recurrentWeight: UnsafePointer<Float>,
        inputBias: UnsafePointer<Float>?, recurrentBias: UnsafePointer<Float>?
    ) {
        self.hidden = hidden
        self.inputSize = inputSize
        let blocks = (hidden + Self.blockUnits - 1) / Self.blockUnits
        let width = 4 * Self.blockUnits * blocks
        /// The regrouped row of gate `gate`'s unit `unit`.
        func row(gate: Int, unit: Int) -> Int {
            (unit / Self.blockUnits) * 4 * Self.blockUnits + gate * Self.blockUnits + unit % Self.blockUnits
        }
        func regrouped(_ matrix: UnsafePointer<Float>, columns: Int) -> [Float] {
            var rows = [Float](repeating: 0, count: width * columns)  // (4 * 32 U, columns)
            for gate in 0..<4 {
                for unit in 0..<hidden {
                    let source = matrix + (gate * hidden + unit) * columns,
                        target = row(gate: gate, unit: unit) * columns
                    for k in 0..<columns { rows[target + k] = source[k] }
                }
            }
            return rows
        }
        self.inputWeight = ColumnPanelledMatrix(
            transposing: regrouped(inputWeight, columns: inputSize), rows: width, columns: inputSize)
        self.recurrentWeight = ColumnPanelledMatrix(
            transposing: regrouped(recurrentWeight, columns: hidden), rows: width, columns: hidden)
        bias = ScratchBuffer(count: width)
        for gate in 0..<4 {
            for unit in 0..<hidden {
                let j = gate * hidden + unit
                bias.pointer[row(gate: gate, unit: unit)] = (inputBias?[j] ?? 0) + (recurrentBias?[j] ?? 0)
            }
        }
    }

    /// U, the 32-unit blocks: the panels threads share.
    public var panelCount: Int { (hidden + Self.blockUnits - 1) / Self.blockUnits }

    /// Two 16-unit panels to each block.
    public var sixteenUnitPanelCount: Int { 2 * panelCount }

    /// The hidden units of the blocks `panels`.
    public func units(of panels: Range<Int>) -> Range<Int> {
        min(Self.blockUnits * panels.lowerBound, hidden)..<min(Self.blockUnits * panels.upperBound, hidden)
    }

    /// Values of the regrouped gate buffers a step needs: 4 * 32 U.
    var gateWidth: Int { 4 * Self.blockUnits * panelCount }

    /// W_ih x of `rows` rows of `input` (rows, I) for the blocks `blocks`, into their columns
    /// of `projection` (rows, 4 * 32 U): a sequence's projections, before its steps.
    func projectInputs(
        rows: Int, blocks: Range<Int>, input: UnsafePointer<Float>, into projection: UnsafeMutablePointer<Float>
    ) {
        inputWeight.product(
            batch: rows, panels: (4 * blocks.lowerBound)..<(4 * blocks.upperBound), a: input, lda: inputSize,
            into: projection)
    }

    /// One step of the blocks `blocks` of one row: W_ih x (unless `input` is nil: then
    /// `projection` holds it already) and W_hh h_{t-1} into their columns of `projection` and
    /// `gates`, then their units' gates, c_t and h_t.
    ///
    /// - Parameters:
    ///   - input: (I) x_t, or nil.
    ///   - previousState, previousCellState: (H) h_{t-1} and c_{t-1}.
    ///   - state, cellState: (H) receive the blocks' units of h_t and c_t.
    ///   - output: (H) receives them too, or nil.
    ///   - projection, gates: (4 * 32 U) room (or W_ih x_t), regrouped.
    ///   - lengths: one length greater than 0, for the kernel (the row is active).
    func step(
        blocks: Range<Int>, input: UnsafePointer<Float>?, previousState: UnsafePointer<Float>,
        previousCellState: UnsafePointer<Float>, state: UnsafeMutablePointer<Float>,
        cellState: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>?,
        projection: UnsafeMutablePointer<Float>, gates: UnsafeMutablePointer<Float>, lengths: UnsafePointer<Int>
    ) {
        let n = Self.blockUnits
        for u in blocks {
            let panels = (4 * u)..<(4 * u + 4), columns = 4 * n * u, first = n * u
            if let input { inputWeight.product(batch: 1, panels: panels, a: input, lda: inputSize, into: projection) }
            recurrentWeight.product(batch: 1, panels: panels, a: previousState, lda: hidden, into: gates)
            LSTMGateKernels.forward(
                batch: 1, hidden: n, first: 0, width: min(n, hidden - first), time: 0, lengths: lengths,
                inputProjection: projection + columns, bias: bias.pointer + columns, gates: gates + columns,
                previousState: previousState + first, previousCellState: previousCellState + first,
                state: state + first, cellState: cellState + first, output: output.map { $0 + first },
                outputStride: n)
        }
    }
}
