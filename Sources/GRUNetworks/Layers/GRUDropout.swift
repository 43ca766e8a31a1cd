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
    /// The seed of the masks; a trainer draws a new one for every batch.
    public var seed: UInt64
    /// Given recurrent masks instead of drawn ones, so that a reference test can run another
    /// framework's mask: one (B, H) mask per layer and direction, index layer * D + direction,
    /// used whatever `recurrent` is. Nil (the default) draws them from `seed`.
    package var recurrentMasks: [[Float]]?

    /// Dropout with the given rates in [0, 1).
    public init(betweenLayers: Float = 0, recurrent: Float = 0, seed: UInt64) {
        precondition(
            (0..<1).contains(betweenLayers) && (0..<1).contains(recurrent),
            "dropout rates must be in [0, 1): \(betweenLayers), \(recurrent)")
        self.betweenLayers = betweenLayers
        self.recurrent = recurrent
        self.seed = seed
    }
}

/// Draws the masks of one forward pass, in a fixed order so a seed repeats exactly.
struct DropoutMasks {
    private let dropout: GRUDropout?
    private var generator: SeededGenerator
    private var recurrentMaskIndex = 0

    init(_ dropout: GRUDropout?) {
        self.dropout = dropout
        generator = SeededGenerator(seed: dropout?.seed ?? 0)
    }

    /// A mask for a between-layer activation, or nil when that dropout is off.
    mutating func betweenLayers(count: Int) -> ScratchBuffer? {
        mask(count: count, rate: dropout?.betweenLayers ?? 0)
    }

    /// A recurrent mask for one direction, or nil when that dropout is off.
    mutating func recurrent(count: Int) -> ScratchBuffer? {
        if let given = dropout?.recurrentMasks {
            precondition(
                recurrentMaskIndex < given.count && given[recurrentMaskIndex].count == count,
                "recurrent mask \(recurrentMaskIndex) of \(given.count) should hold \(count) values")
            defer { recurrentMaskIndex += 1 }
            return ScratchBuffer(copying: given[recurrentMaskIndex])
        }
        return mask(count: count, rate: dropout?.recurrent ?? 0)
    }

    private mutating func mask(count: Int, rate: Float) -> ScratchBuffer? {
        guard rate > 0 else { return nil }
        let buffer = ScratchBuffer(count: count)
        let kept = 1 / (1 - rate)
        for i in 0..<count { buffer.pointer[i] = generator.uniform(0, 1) < rate ? 0 : kept }
        return buffer
    }
}
