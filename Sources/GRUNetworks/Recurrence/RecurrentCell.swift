import GRUTensor

/// What a recurrent cell is to the stacked, bidirectional, length-aware sweep that
/// `RecurrentLayer` writes once for every cell (as PyTorch's `RNNBase` serves `nn.GRU`,
/// `nn.LSTM` and `nn.RNN`): its gate count, its packed weights, and its forward and backward
/// step over one thread's share of a time step.
///
/// The sweep owns everything that is the same for every cell: the input projection of all
/// steps as one GEMM, the steps' order and threads, sequence lengths, recurrent dropout (the
/// products see h * mask, the update h itself; the mask's gradient is applied by the sweep),
/// the bias gradient sums and the weight gradient GEMMs over all T*B rows. A cell supplies
/// `forward` and `backward`, side by side, for one step.
///
/// Legend: B batch rows, G gates, H hidden size.
public protocol RecurrentCell: Sendable {
    /// The stack's sizes and whatever the cell's math depends on.
    associatedtype Configuration: RecurrentStackConfiguration
    /// One direction's recurrent weights packed for the forward steps.
    associatedtype StepWeights: PanelledRecurrentWeights
    /// One direction's recurrent weights packed for the backward steps.
    associatedtype GradientWeights: PanelledRecurrentWeights

    /// The cell of a configuration.
    init(_ configuration: Configuration)

    /// Gate blocks in each projection row: 3 for the GRU (r, z, n).
    static var gateCount: Int { get }

    /// Whether the cell carries a cell state c beside h (the LSTM), which the sweep keeps,
    /// masks by length and backpropagates as it does h; false by default.
    static var carriesCellState: Bool { get }

    /// Packs W_hh (G*H, H), b_hh and b_ih (G*H each, or nil) for the forward steps, which add
    /// b_ih to the projections themselves.
    func packStepWeights(
        hidden: Int, recurrentWeight: UnsafePointer<Float>, recurrentBias: UnsafePointer<Float>?,
        inputBias: UnsafePointer<Float>?
    ) -> StepWeights

    /// Packs W_hh (G*H, H) for the backward steps.
    func packGradientWeights(hidden: Int, recurrentWeight: UnsafePointer<Float>) -> GradientWeights

    /// One forward step of a thread's rows and units; `barrier` meets the other threads that
    /// share the step's units, for cells whose step needs every unit of a first pass.
    func forward(_ step: RecurrentForwardStep, weights: StepWeights, barrier: StepBarrier)

    /// One backward step of a thread's rows and units: writes the step's projection gradients
    /// and the direct part of dL/dh_{t-1}, and adds dL/d(recurrent input) (the state the
    /// products saw) into `step.recurrentInputGradient`.
    func backward(_ step: RecurrentBackwardStep, weights: GradientWeights, barrier: StepBarrier)

    /// dW_hh (G*H, H) += the hidden projection gradients (T*B, G*H) against what the products
    /// saw at each step: `recurrentInputs` (T*B, H), or what the cell cached in `auxiliary`
    /// (T*B, H) for gates whose product saw something else.
    func accumulateRecurrentWeightGradient(
        rows: Int, hidden: Int, hiddenProjectionGradient: UnsafePointer<Float>,
        recurrentInputs: UnsafePointer<Float>, auxiliary: UnsafePointer<Float>,
        into recurrentWeightGradient: UnsafeMutablePointer<Float>)

    // MARK: Cells with extra parameters (defaults in RecurrentCellExtras.swift do nothing)

    /// The cell's tensors in each layer and direction beyond the four: none by default.
    static func extraParameters(hiddenSize: Int) -> [RecurrentExtraParameter]

    /// `packStepWeights` with the direction's extra tensors (contiguous, in declaration order,
    /// or nil when the cell has none); by default the packing without them.
    func packStepWeights(
        hidden: Int, recurrentWeight: UnsafePointer<Float>, recurrentBias: UnsafePointer<Float>?,
        inputBias: UnsafePointer<Float>?, extraParameters: UnsafePointer<Float>?
    ) -> StepWeights

    /// `packGradientWeights` with the direction's extra tensors; by default without them.
    func packGradientWeights(
        hidden: Int, recurrentWeight: UnsafePointer<Float>, extraParameters: UnsafePointer<Float>?
    ) -> GradientWeights

    /// Floats per row of what `finishInputProjection` keeps for `finishProjectionGradients`,
    /// in the input projection's time order (`RecurrentProjectionGradients.inputProjectionCache`):
    /// none by default.
    static func inputProjectionCacheWidth(hidden: Int) -> Int

    /// Floats per row of what each forward step keeps for its backward step and
    /// `finishProjectionGradients`, in step order like the gates (`RecurrentForwardStep.cache`):
    /// none by default.
    static func stepCacheWidth(hidden: Int) -> Int

    /// Rewrites the input projections W_ih x (T*B, G*H), all steps at once, before the steps
    /// read them, keeping what backward needs in `cache` ((T*B, `inputProjectionCacheWidth`)
    /// by time, or nil when the width is 0): by default leaves them as they are.
    func finishInputProjection(
        rows: Int, hidden: Int, projection: UnsafeMutablePointer<Float>, extraParameters: UnsafePointer<Float>?,
        cache: UnsafeMutablePointer<Float>?)

    /// After the backward sweep (its bias sums taken) and before the weight and input gradient
    /// products: turns the gradients the steps left into those of W_ih x and of the products
    /// the steps saw, and adds the extra tensors' gradients; by default does nothing.
    func finishProjectionGradients(_ gradients: RecurrentProjectionGradients)
}

extension RecurrentCell {
    /// No cell state: the GRU's h is its whole state.
    public static var carriesCellState: Bool { false }
}

/// Recurrent weights packed in panels of hidden units, the unit of work threads share a step by.
public protocol PanelledRecurrentWeights {
    /// The hidden size.
    var hidden: Int { get }
    /// The number of panels.
    var panelCount: Int { get }
    /// How many 16-unit panels the packing's units make: the unit of `StepSharing`'s rule.
    var sixteenUnitPanelCount: Int { get }
    /// The hidden units of `panels`.
    func units(of panels: Range<Int>) -> Range<Int>
}

/// Meets the other threads sharing a step's hidden units; does nothing when threads share
/// the step by rows (their rows never read another thread's).
public struct StepBarrier: Sendable {
    let sharesUnits: Bool

    /// Waits for every thread of the step.
    @inline(__always)
    public func wait() {
        if sharesUnits { ThreadTeam.barrier() }
    }
}

/// One thread's share of a forward step: `rows` rows from the first of its share (every
/// pointer starts at that row) and the units of `panels`.
public struct RecurrentForwardStep {
    /// Rows of this share.
    public let rows: Int
    /// Panels of this share, in the step weights' packing.
    public let panels: Range<Int>
    /// The time index t.
    public let time: Int
    /// Per row, the valid length: a row at t >= its length carries its state, outputs zeros
    /// and stores zero caches.
    public let lengths: UnsafePointer<Int>
    /// (rows, G*H) W_ih x_t, without b_ih.
    public let inputProjection: UnsafePointer<Float>
    /// (rows, H) h_{t-1}, which the update reads.
    public let previousState: UnsafePointer<Float>
    /// (rows, H) what the recurrent products read instead of h_{t-1}, or nil for h_{t-1}
    /// itself: h_{t-1} * mask under recurrent dropout.
    public let recurrentInput: UnsafePointer<Float>?
    /// (rows, H) receives h_t.
    public let state: UnsafeMutablePointer<Float>
    /// Receives row b's h_t at output + b * outputStride, or nil.
    public let output: UnsafeMutablePointer<Float>?
    /// The distance between output rows.
    public let outputStride: Int
    /// (rows, G*H) the gate cache for backward, or room the cell's step needs; nil where
    /// neither (inference of a one-pass cell).
    public let gates: UnsafeMutablePointer<Float>?
    /// (rows, H) the cell's other per-step cache, or room, likewise.
    public let auxiliary: UnsafeMutablePointer<Float>?
    /// (rows, H) c_{t-1}, for a cell that carries a cell state; nil otherwise.
    public var previousCellState: UnsafePointer<Float>? = nil
    /// (rows, H) receives c_t, for a cell that carries a cell state; nil otherwise.
    public var cellState: UnsafeMutablePointer<Float>? = nil
    /// (rows, `stepCacheWidth`) receives the cell's own cache for backward, for a cell that
    /// keeps one; nil otherwise.
    public var cache: UnsafeMutablePointer<Float>? = nil
}

/// One thread's share of a backward step: `rows` rows from the first of its share (every
/// pointer starts at that row) and the units of `panels`.
public struct RecurrentBackwardStep {
    /// Rows of this share.
    public let rows: Int
    /// Panels of this share, in the gradient weights' packing.
    public let panels: Range<Int>
    /// The hidden units of `panels`.
    public let units: Range<Int>
    /// The time index t.
    public let time: Int
    /// Per row, the valid length.
    public let lengths: UnsafePointer<Int>
    /// (rows, H) dL/dh_t, everything that flows into h_t.
    public let stateGradient: UnsafePointer<Float>
    /// (rows, H) h_{t-1}.
    public let previousState: UnsafePointer<Float>
    /// (rows, H) what the products saw: h_{t-1}, or h_{t-1} * mask under recurrent dropout.
    public let recurrentInput: UnsafePointer<Float>
    /// (rows, G*H) the forward gate cache on entry; receives dL/d(hidden projection).
    public let gates: UnsafeMutablePointer<Float>
    /// (rows, H) the forward step's other cache.
    public let auxiliary: UnsafePointer<Float>
    /// (rows, G*H) receives dL/d(input projection).
    public let inputProjectionGradient: UnsafeMutablePointer<Float>
    /// (rows, H) receives the direct part of dL/dh_{t-1}, the part through the update.
    public let previousStateGradient: UnsafeMutablePointer<Float>
    /// (rows, H) dL/d(recurrent input) is added to it, after the direct part is written: the
    /// same buffer as `previousStateGradient` without recurrent dropout.
    public let recurrentInputGradient: UnsafeMutablePointer<Float>
    /// (rows, H) room for the cell's intermediate gradients.
    public let scratch: UnsafeMutablePointer<Float>
    /// (rows, H) c_{t-1} and c_t, for a cell that carries a cell state; nil otherwise.
    public var previousCellState: UnsafePointer<Float>? = nil
    /// (rows, H) c_t, likewise.
    public var cellState: UnsafePointer<Float>? = nil
    /// (rows, H) dL/dc_t, likewise.
    public var cellStateGradient: UnsafePointer<Float>? = nil
    /// (rows, H) receives dL/dc_{t-1}, likewise.
    public var previousCellStateGradient: UnsafeMutablePointer<Float>? = nil
    /// (rows, `stepCacheWidth`) what the forward step kept, for a cell that keeps a cache; nil
    /// otherwise.
    public var cache: UnsafePointer<Float>? = nil
}
