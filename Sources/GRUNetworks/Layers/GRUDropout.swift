import GRUTensor

/// Training-time dropout inside a stacked GRU. Inverted dropout: kept units are scaled by
/// 1 / (1 - rate), so inference needs no rescaling.
public struct GRUDropout: Equatable, Sendable, Codable {
    /// PyTorch's `nn.GRU(dropout:)`: the probability of zeroing each element of every layer's
    /// output but the last's, drawn afresh for every element and step.
    public var betweenLayers: Float
    /// Keras's `recurrent_dropout` (Gal & Ghahramani 2016): the probability of zeroing each
    /// unit of the state that enters the recurrent products, one mask per sequence and
    /// direction, the same at every step. (Keras draws a mask per gate; GRUKit one for all
    /// three, which is Keras with its three masks equal.)
    public var recurrent: Float
    /// Zoneout (Krueger et al. 2016): the probability that a unit keeps its previous state,
    /// h_t = m h_{t-1} + (1 - m) h~_t with m ~ Bernoulli(zoneout) drawn afresh for every step,
    /// row and unit. Training only: at inference the layer applies the expectation at its own
    /// `RecurrentLayer.zoneout`.
    public var zoneout: Float
    /// Weight-drop (DropConnect on W_hh, Merity et al. 2017): the probability of zeroing each
    /// element of W_hh, one mask per forward call, layer and direction, kept elements scaled by
    /// 1 / (1 - weightDrop).
    public var weightDrop: Float
    /// The seed of the masks; a trainer draws a new one for every batch.
    public var seed: UInt64
    /// The global batch row of this batch's row 0 (see `RowDropoutDraws`): the per-row masks
    /// (between layers, recurrent, zoneout) depend on a row's place in the global batch, so
    /// that a batch split across processes draws what the whole batch would. Weight-drop's
    /// masks, one per batch, depend on `seed` only.
    public var firstRow: Int = 0
    /// Given recurrent masks instead of drawn ones, so that a reference test can run another
    /// framework's mask: one (B, H) mask per layer and direction, index layer * D + direction,
    /// used whatever `recurrent` is. Nil (the default) draws them from `seed`.
    package var recurrentMasks: [[Float]]?
    /// Given zoneout masks instead of drawn ones, for reference tests: one (T, B, H) mask by
    /// time of 1 (keep h_{t-1}) and 0 (take h~_t) per layer and direction, index
    /// layer * D + direction, used whatever `zoneout` is. Nil draws them from `seed`.
    package var zoneoutMasks: [[Float]]?
    /// Given weight-drop masks instead of drawn ones, for reference tests: one (G*H, H) mask of
    /// the factors W_hh is multiplied by (0 or 1 / (1 - p)) per layer and direction, index
    /// layer * D + direction, used whatever `weightDrop` is. Nil draws them from `seed`.
    package var weightDropMasks: [[Float]]?

    /// Dropout with the given rates in [0, 1); `RecurrentLayer.forward` checks `zoneout` and
    /// `weightDrop`.
    public init(
        betweenLayers: Float = 0, recurrent: Float = 0, zoneout: Float = 0, weightDrop: Float = 0, seed: UInt64,
        firstRow: Int = 0
    ) {
        precondition(
            (0..<1).contains(betweenLayers) && (0..<1).contains(recurrent),
            "dropout rates must be in [0, 1): \(betweenLayers), \(recurrent)")
        self.betweenLayers = betweenLayers
        self.recurrent = recurrent
        self.zoneout = zoneout
        self.weightDrop = weightDrop
        self.seed = seed
        self.firstRow = firstRow
    }
}

/// Draws the masks of one forward pass, in a fixed order so a seed repeats exactly: the
/// per-row ones from `RowDropoutDraws`, numbered in the order they are asked for, and
/// weight-drop's from one stream of the pass's seed.
struct DropoutMasks {
    private let dropout: GRUDropout?
    private let rows: RowDropoutDraws
    private var generator: SeededGenerator
    private var rowMaskNumber = 0
    private var recurrentMaskIndex = 0
    private var weightDropMaskIndex = 0
    private var zoneoutMaskIndex = 0

    init(_ dropout: GRUDropout?) {
        self.dropout = dropout
        rows = RowDropoutDraws(seed: dropout?.seed ?? 0, firstRow: dropout?.firstRow ?? 0)
        generator = SeededGenerator(seed: dropout?.seed ?? 0)
    }

    /// A mask for a time-major (steps, batch, width) between-layer activation, or nil when
    /// that dropout is off.
    mutating func betweenLayers(steps: Int, batch: Int, width: Int) -> ScratchBuffer? {
        rowMask(steps: steps, batch: batch, width: width, rate: dropout?.betweenLayers ?? 0)
    }

    /// A (batch, hidden) recurrent mask for one direction, or nil when that dropout is off.
    mutating func recurrent(batch: Int, hidden: Int) -> ScratchBuffer? {
        if let given = dropout?.recurrentMasks {
            return Self.given(given, index: &recurrentMaskIndex, count: batch * hidden, name: "recurrent")
        }
        return rowMask(steps: 1, batch: batch, width: hidden, rate: dropout?.recurrent ?? 0)
    }

    /// A weight-drop mask of W_hh for one direction (factors 0 or 1 / (1 - p)), or nil when
    /// weight-drop is off.
    mutating func weightDrop(count: Int) -> ScratchBuffer? {
        if let given = dropout?.weightDropMasks {
            return Self.given(given, index: &weightDropMaskIndex, count: count, name: "weight-drop")
        }
        return mask(count: count, rate: dropout?.weightDrop ?? 0)
    }

    /// A zoneout mask for one direction, (T, B, H) by time, 1 where a unit keeps h_{t-1}; nil
    /// when zoneout is off in training.
    mutating func zoneout(steps: Int, batch: Int, hidden: Int) -> ScratchBuffer? {
        if let given = dropout?.zoneoutMasks {
            return Self.given(given, index: &zoneoutMaskIndex, count: steps * batch * hidden, name: "zoneout")
        }
        let rate = dropout?.zoneout ?? 0
        guard rate > 0 else { return nil }
        let buffer = ScratchBuffer(count: steps * batch * hidden)
        rows.fill(buffer.pointer, mask: nextRowMask(), steps: steps, batch: batch, width: hidden) { $0 < rate ? 1 : 0 }
        return buffer
    }

    private static func given(_ masks: [[Float]], index: inout Int, count: Int, name: String) -> ScratchBuffer {
        precondition(
            index < masks.count && masks[index].count == count,
            "\(name) mask \(index) of \(masks.count) should hold \(count) values")
        defer { index += 1 }
        return ScratchBuffer(copying: masks[index])
    }

    private mutating func rowMask(steps: Int, batch: Int, width: Int, rate: Float) -> ScratchBuffer? {
        guard rate > 0 else { return nil }
        let buffer = ScratchBuffer(count: steps * batch * width)
        let kept = 1 / (1 - rate)
        rows.fill(buffer.pointer, mask: nextRowMask(), steps: steps, batch: batch, width: width) {
            $0 < rate ? 0 : kept
        }
        return buffer
    }

    private mutating func nextRowMask() -> Int {
        defer { rowMaskNumber += 1 }
        return rowMaskNumber
    }

    private mutating func mask(count: Int, rate: Float) -> ScratchBuffer? {
        guard rate > 0 else { return nil }
        let buffer = ScratchBuffer(count: count)
        let kept = 1 / (1 - rate)
        for i in 0..<count { buffer.pointer[i] = generator.uniform(0, 1) < rate ? 0 : kept }
        return buffer
    }
}
