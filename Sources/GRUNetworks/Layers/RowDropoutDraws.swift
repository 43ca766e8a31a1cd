import GRUTensor

/// Where a training pass's per-row dropout masks come from: every mask of every batch row is
/// its own SplitMix64 stream, seeded by (pass seed, mask number, the row's place in the global
/// batch), and element (t, f) of a row is draw t * width + f of that stream. A row's masks
/// therefore depend neither on how a global batch is split across processes (data-parallel
/// training) nor on how far the local batch is padded.
public struct RowDropoutDraws: Equatable, Sendable, Codable {
    /// The pass's seed; a trainer draws a new one for every global batch.
    public var seed: UInt64
    /// The global batch row of this batch's row 0: the rows other processes hold come before.
    public var firstRow: Int

    /// Draws for a batch whose row 0 is row `firstRow` of the global batch.
    public init(seed: UInt64, firstRow: Int = 0) {
        self.seed = seed
        self.firstRow = firstRow
    }

    /// An inverted-dropout mask over a time-major (steps, batch, width) tensor: 0 with
    /// probability `rate`, 1 / (1 - rate) otherwise (all 0 when `rate` is 1). `mask` numbers
    /// the pass's masks, so that each draws its own streams.
    public func dropoutMask(mask: Int, rate: Float, steps: Int, batch: Int, width: Int) -> [Float] {
        let kept: Float = rate < 1 ? 1 / (1 - rate) : 0
        return [Float](unsafeUninitializedCapacity: steps * batch * width) { buffer, initialized in
            fill(buffer.baseAddress!, mask: mask, steps: steps, batch: batch, width: width) { $0 < rate ? 0 : kept }
            initialized = steps * batch * width
        }
    }

    /// The same draws as `dropoutMask`, written into `buffer` through `value` (the uniform
    /// draw in [0, 1) to the mask's element).
    public func fill(
        _ buffer: UnsafeMutablePointer<Float>, mask: Int, steps: Int, batch: Int, width: Int,
        value: (Float) -> Float
    ) {
        for b in 0..<batch {
            var generator = SeededGenerator(seed: rowSeed(mask: mask, row: b))
            for t in 0..<steps {
                let row = buffer + (t * batch + b) * width
                for f in 0..<width { row[f] = value(generator.uniform(0, 1)) }
            }
        }
    }

    /// The seed of one row's stream of one mask (SplitMix64's finalizer over the three).
    private func rowSeed(mask: Int, row: Int) -> UInt64 {
        [UInt64(truncatingIfNeeded: mask), UInt64(truncatingIfNeeded: firstRow + row)].reduce(seed) { state, value in
            var z = state &+ (value &+ 1) &* 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
