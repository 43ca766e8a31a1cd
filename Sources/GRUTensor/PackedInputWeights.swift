import CGateKernels

/// One direction's W_ih packed in the same 16-unit panels as `PackedRecurrentWeights`, for
/// steps shared by hidden units (one sequence, small batches, streaming): the thread that
/// owns a panel computes that panel's input projection too, so it reads only its share of
/// W_ih, the same share every call, and finds its projections in its own core's cache; no
/// BLAS call and no extra hand-off between threads.
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

    /// W_ih x (no bias) of `rows` rows of `input` (row stride `inputStride`) for the units of
    /// `panels`, into their r, z and n columns of `projection` (rows, 3H); the other columns
    /// are left as they are.
    @inlinable
    public func project(
        rows: Int = 1, panels: Range<Int>, input: UnsafePointer<Float>, inputStride: Int? = nil,
        into projection: UnsafeMutablePointer<Float>
    ) {
        gru_packed_input_product(
            rows, inputSize, hidden, panels.lowerBound, panels.upperBound, weightsPointer, input,
            inputStride ?? inputSize, projection)
    }

    @usableFromInline var weightsPointer: UnsafePointer<Float> { UnsafePointer(weights.pointer) }
}
