import CGateKernels
import GRUTensor

/// One direction's LSTM weights packed for inference steps: W_ih and W_hh with their gate rows
/// regrouped by 32-unit block, W_hh^T as a `ColumnPanelledMatrix` (W_ih^T too, for per-block
/// input projections), and b_ih + b_hh in the same order.
///
/// `LSTMStepWeights` keeps PyTorch's column order [i | f | g | o]: a thread that owns some
/// units needs columns that other threads' panels compute, every step waits at a barrier
/// between the products and the gates, and the gates are a second pass over the (B, 4H)
/// products. Here block u's columns are [i_u | f_u | g_u | o_u] (32 each, zero past H) and
/// form the four panels 4u..<4u+4: a thread computes its blocks' products and, while they are
/// in its cache, their gates, c_t and h_t, alone; a step needs no barrier but its end (at
/// H = 128 on two loaded cores, the barrier between the passes cost 0.6 ms a step whenever
/// the other thread was descheduled). The gates run on `LSTMGateKernels.forwardRegrouped`, the
/// training step's gate arithmetic (`LSTMGateKernels.forward`) with the strides of a block.
/// Legend: B rows, I input size, H hidden size, U = ceil(H / 32) unit blocks, W = 4 * 32 U.
public final class LSTMRegroupedWeights: PanelledRecurrentWeights, @unchecked Sendable {
    /// H.
    public let hidden: Int
    /// I.
    public let inputSize: Int
    /// Units per block, and the gate stride within a block.
    static let blockUnits = 32
    /// W_ih regrouped, (W, I) row-major: the operand of a batch's input projection GEMM.
    let inputRows: [Float]
    private let inputWeight: ColumnPanelledMatrix  // (I, W)
    private let recurrentWeight: ColumnPanelledMatrix  // (H, W)
    private let bias: ScratchBuffer  // (W), zeros without biases

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
        inputRows = regrouped(inputWeight, columns: inputSize)
        self.inputWeight = ColumnPanelledMatrix(transposing: inputRows, rows: width, columns: inputSize)
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

    /// W, the values of a row of the regrouped gate buffers.
    var gateWidth: Int { 4 * Self.blockUnits * panelCount }

    /// W_ih x of `rows` rows of `input` (rows, I) for the blocks `blocks`, into their columns
    /// of `projection` (rows, W): a sequence's projections, before its steps.
    func projectInputs(
        rows: Int, blocks: Range<Int>, input: UnsafePointer<Float>, into projection: UnsafeMutablePointer<Float>
    ) {
        inputWeight.product(
            batch: rows, panels: (4 * blocks.lowerBound)..<(4 * blocks.upperBound), a: input, lda: inputSize,
            into: projection)
    }

    /// One step of `rows` rows and the blocks `blocks`: W_ih x_t (unless `input` is nil: then
    /// `projection` holds it already) and W_hh h_{t-1} into the blocks' columns of
    /// `projection` and `gates`, then, block by block while its products are in cache, the
    /// gates, c_t and h_t of its units. Every pointer starts at the first of the rows.
    ///
    /// - Parameters:
    ///   - lengths: per row, its length; a row at `time` >= its length carries h and c.
    ///   - input: (rows, I) x_t, or nil.
    ///   - previousState, previousCellState: (rows, H) h_{t-1} and c_{t-1}.
    ///   - state, cellState: (rows, H) receive the blocks' units of h_t and c_t.
    ///   - output: receives row b's units of h_t at output + b * outputStride too, or nil.
    ///   - projection, gates: (rows, W) regrouped: W_ih x_t (or room for it) and room.
    func step(
        rows: Int, blocks: Range<Int>, time: Int, lengths: UnsafePointer<Int>, input: UnsafePointer<Float>?,
        previousState: UnsafePointer<Float>, previousCellState: UnsafePointer<Float>,
        state: UnsafeMutablePointer<Float>, cellState: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>?, outputStride: Int, projection: UnsafeMutablePointer<Float>,
        gates: UnsafeMutablePointer<Float>
    ) {
        let n = Self.blockUnits, width = gateWidth
        for u in blocks {
            let panels = (4 * u)..<(4 * u + 4), columns = 4 * n * u, first = n * u
            if let input {
                inputWeight.product(batch: rows, panels: panels, a: input, lda: inputSize, into: projection)
            } else {
                // The block's projections, made by the sequence's GEMM long before: fetched
                // now, so that its gates do not wait on memory after the product.
                lstm_prefetch_rows(rows, projection + columns, width, 4 * n)
            }
            recurrentWeight.product(batch: rows, panels: panels, a: previousState, lda: hidden, into: gates)
            LSTMGateKernels.forwardRegrouped(
                batch: rows, blockUnits: n, width: min(n, hidden - first), time: time, lengths: lengths,
                inputProjection: projection + columns, gatesRowStride: width, bias: bias.pointer + columns,
                gates: gates + columns, previousState: previousState + first,
                previousCellState: previousCellState + first, state: state + first, cellState: cellState + first,
                stateRowStride: hidden, output: output.map { $0 + first }, outputStride: outputStride)
        }
    }
}
