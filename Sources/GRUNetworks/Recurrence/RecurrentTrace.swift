import GRUTensor

/// What a recurrent forward pass keeps for its backward pass (backpropagation through time).
///
/// Legend: T sequence length, B batch, G gates, H hidden size, D directions. Buffers are time-major.
/// "Step" s counts in processing order: time t = s forward, t = T - 1 - s in reverse.
public struct RecurrentTrace: Sendable {
    /// The layout the caller's tensors use.
    public let layout: SequenceLayout
    /// T.
    public let sequenceLength: Int
    /// B.
    public let batchSize: Int
    /// Valid steps per sequence; T for every sequence when no lengths were given.
    public let lengths: [Int]
    /// Each layer's input as it entered the layer (after between-layer dropout). // (T, B, I_layer)
    let layerInputs: [ScratchBuffer]
    /// Per layer, the between-layer dropout mask applied to its input; nil for layer 0 or
    /// without dropout. // (T, B, D*H)
    let betweenLayerMasks: [ScratchBuffer?]
    /// Per layer, per direction.
    let directions: [[RecurrentDirectionTrace]]
    /// Set by the first backward, which overwrites the gate caches.
    let consumption = Consumption()

    /// Marks the trace used; false when it already was.
    func consume() -> Bool {
        consumption.mark()
    }

    final class Consumption: @unchecked Sendable {
        private var isConsumed = false

        func mark() -> Bool {
            defer { isConsumed = true }
            return !isConsumed
        }
    }
}

/// The per-step caches of one layer and direction.
struct RecurrentDirectionTrace: Sendable {
    /// Hidden states by step; states[0] is the initial state. // (T+1, B, H)
    let states: ScratchBuffer
    /// Activated gates by step (the GRU's r, z, n); zero on masked rows. Backward overwrites
    /// them with dL/d(hidden projection). // (T, B, G*H)
    let gates: ScratchBuffer
    /// By step, the cell's other cache: the GRU's reset-after keeps W_hn h + b_hn, its
    /// reset-before r * h. // (T, B, H)
    let auxiliary: ScratchBuffer
    /// The recurrent dropout mask, the same at every step; nil without recurrent dropout. // (B, H)
    let recurrentMask: ScratchBuffer?
    /// states[s] * mask, what the recurrent products saw; nil without recurrent dropout. // (T, B, H)
    let maskedStates: ScratchBuffer?
    /// Zoneout: the keep mask (1 keeps h_{t-1}) by time in training, or nil. // (T, B, H)
    let zoneoutMask: ScratchBuffer?
    /// Zoneout's keep probability where there is no mask (inference's expectation); 0 for none.
    let zoneoutExpectation: Float
    /// Weight-drop's factors on W_hh, or nil without weight-drop. // (G*H, H)
    let weightDropMask: ScratchBuffer?

    /// Cell states by step, cellStates[0] the initial one, for a cell that carries a cell
    /// state (the LSTM's c); nil otherwise. // (T+1, B, H)
    let cellStates: ScratchBuffer?

    /// What the cell's `finishInputProjection` kept, by time, for a cell that keeps something;
    /// nil otherwise. // (T, B, inputProjectionCacheWidth)
    let inputProjectionCache: ScratchBuffer?
    /// What the cell's forward steps kept, by step, for a cell that keeps something; nil
    /// otherwise. // (T, B, stepCacheWidth)
    let stepCache: ScratchBuffer?

    init(
        steps: Int, batch: Int, hidden: Int, gates gateCount: Int, recurrentMask: ScratchBuffer?,
        zoneoutMask: ScratchBuffer? = nil, zoneoutExpectation: Float = 0, weightDropMask: ScratchBuffer? = nil,
        carriesCellState: Bool = false, inputProjectionCacheWidth: Int = 0, stepCacheWidth: Int = 0
    ) {
        // Every step writes all of its rows (masked rows too), so only states[0] starts as zeros.
        states = ScratchBuffer(uninitializedCount: (steps + 1) * batch * hidden)
        states.pointer.update(repeating: 0, count: batch * hidden)
        gates = ScratchBuffer(uninitializedCount: steps * batch * gateCount * hidden)
        auxiliary = ScratchBuffer(uninitializedCount: steps * batch * hidden)
        self.recurrentMask = recurrentMask
        // Forward writes every step's masked state.
        maskedStates = recurrentMask == nil ? nil : ScratchBuffer(uninitializedCount: steps * batch * hidden)
        self.zoneoutMask = zoneoutMask
        self.zoneoutExpectation = zoneoutMask == nil ? zoneoutExpectation : 0
        self.weightDropMask = weightDropMask
        if carriesCellState {
            let cells = ScratchBuffer(uninitializedCount: (steps + 1) * batch * hidden)
            cells.pointer.update(repeating: 0, count: batch * hidden)
            cellStates = cells
        } else {
            cellStates = nil
        }
        // The cell writes every row of its caches.
        inputProjectionCache =
            inputProjectionCacheWidth > 0
            ? ScratchBuffer(uninitializedCount: steps * batch * inputProjectionCacheWidth) : nil
        stepCache = stepCacheWidth > 0 ? ScratchBuffer(uninitializedCount: steps * batch * stepCacheWidth) : nil
    }

    /// Whether the steps zone out: a mask, or an expectation above 0.
    var zonesOut: Bool { zoneoutMask != nil || zoneoutExpectation > 0 }

    /// The recurrent products' input of every step, (T, B, H) by step: the states, or the
    /// masked states under recurrent dropout.
    var recurrentInputs: UnsafeMutablePointer<Float> {
        maskedStates?.pointer ?? states.pointer
    }
}
