import CGateKernels

/// W_hh packed by column panels of 32 hidden units for backward's per-step product
/// dL/dh_{t-1} += dL/d(hidden projection) W_hh, split across threads by panels.
public final class PackedRecurrentGradientWeights: @unchecked Sendable {
    /// The hidden size.
    public let hidden: Int
    /// The number of 32-unit panels, ceil(H / 32).
    public let panelCount: Int
    private let weights: AlignedFloats  // (panels, 3H, 32)

    /// Packs W_hh (3H, H) row-major.
    public init(hidden: Int, recurrentWeight: UnsafePointer<Float>) {
        self.hidden = hidden
        panelCount = (hidden + Int(GRU_BACKWARD_PANEL_UNITS) - 1) / Int(GRU_BACKWARD_PANEL_UNITS)
        weights = AlignedFloats(count: gru_backward_packed_count(3 * hidden, hidden))
        gru_pack_backward_weights(3 * hidden, hidden, recurrentWeight, weights.pointer)
    }

    /// The hidden units of `panels`.
    @inlinable
    public func units(of panels: Range<Int>) -> Range<Int> {
        let size = Int(GRU_BACKWARD_PANEL_UNITS)
        return min(panels.lowerBound * size, hidden)..<min(panels.upperBound * size, hidden)
    }

    /// stateGradient[b, u] += sum_k hiddenProjectionGradient[b, k] W_hh[k, u] for the units u
    /// of `panels`; hiddenProjectionGradient is (B, 3H), stateGradient (B, H).
    @inlinable
    public func accumulate(
        batch: Int, panels: Range<Int>, hiddenProjectionGradient: UnsafePointer<Float>,
        stateGradient: UnsafeMutablePointer<Float>
    ) {
        gru_packed_accumulate_product(
            batch, 3 * hidden, hidden, panels.lowerBound, panels.upperBound, hiddenProjectionGradient,
            3 * hidden, weightsPointer, stateGradient)
    }

    /// c[b, u] (+)= sum over k in `weightRows` of a[b, k] W_hh[k, u] for the units u of
    /// `panels`: a is (B, 3H), c (B, H); stored over c when `overwrite`, else added to it.
    /// Reset-before's backward takes W_hn (rows 2H..<3H) and W_h[r, z] (rows 0..<2H) apart.
    @inlinable
    public func multiply(
        batch: Int, panels: Range<Int>, weightRows: Range<Int>, a: UnsafePointer<Float>,
        into c: UnsafeMutablePointer<Float>, overwrite: Bool
    ) {
        gru_packed_product_rows(
            batch, weightRows.lowerBound, weightRows.count, 3 * hidden, hidden, panels.lowerBound, panels.upperBound,
            a, 3 * hidden, weightsPointer, c, overwrite)
    }

    @usableFromInline var weightsPointer: UnsafePointer<Float> { UnsafePointer(weights.pointer) }
}
