import CGateKernels

/// One direction's W_ih packed in the same 16-unit panels as `PackedRecurrentWeights`, for
/// one sequence's single step (streaming): the thread that owns a panel of the step computes
/// that panel's input projection too, so each thread reads only its share of W_ih and W_hh,
/// the same share every step, and the share can stay in its core's cache.
///
/// Legend: I input size, H hidden size.
public final class PackedInputWeights: @unchecked Sendable {
    /// The input size I.
    public let inputSize: Int
    /// The hidden size H.
    public let hidden: Int
    private let weights: AlignedFloats  // (panels, I, 48)

    /// Packs W_ih (3H, I) row-major.
    public init(inputSize: Int, hidden: Int, inputWeight: UnsafePointer<Float>) {
        self.inputSize = inputSize
        self.hidden = hidden
        weights = AlignedFloats(count: gru_input_packed_count(inputSize, hidden))
        gru_pack_input_weights(inputSize, hidden, inputWeight, weights.pointer)
    }

    /// W_ih x (no bias) for the units of `panels`, into their r, z and n columns of the
    /// (1, 3H) `projection`; the other columns are left as they are.
    @inlinable
    public func project(panels: Range<Int>, input: UnsafePointer<Float>, into projection: UnsafeMutablePointer<Float>) {
        gru_packed_input_product(
            inputSize, hidden, panels.lowerBound, panels.upperBound, weightsPointer, input, projection)
    }

    @usableFromInline var weightsPointer: UnsafePointer<Float> { UnsafePointer(weights.pointer) }
}
