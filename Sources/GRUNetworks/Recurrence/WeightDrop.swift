import GRUTensor

/// Weight-drop (DropConnect on W_hh, Merity et al. 2017), for every cell: one mask of factors
/// (0 or 1 / (1 - p)) over W_hh's elements per forward call, layer and direction. The steps
/// run on W_hh * mask; backward's dL/dh uses the same masked weights, and the gradient of the
/// raw W_hh is the masked weights' gradient times the mask.
///
/// Legend: G gates, H hidden size; W_hh is (G*H, H).
enum WeightDrop {
    /// W_hh, or W_hh * mask as a buffer of its own, for as long as the holder keeps it.
    struct Weights {
        private let masked: ScratchBuffer?
        /// The weights the steps use.
        let pointer: UnsafePointer<Float>

        init(raw: UnsafePointer<Float>, masked: ScratchBuffer?) {
            self.masked = masked
            pointer = masked.map { UnsafePointer($0.pointer) } ?? raw
        }
    }

    /// W_hh * mask, or W_hh itself without a mask.
    static func masked(_ recurrentWeight: UnsafePointer<Float>, by mask: ScratchBuffer?) -> Weights {
        guard let mask else { return Weights(raw: recurrentWeight, masked: nil) }
        let masked = ScratchBuffer(uninitializedCount: mask.count)
        for i in 0..<mask.count { masked.pointer[i] = recurrentWeight[i] * mask.pointer[i] }
        return Weights(raw: recurrentWeight, masked: masked)
    }

    /// Runs `accumulate`, which adds the masked weights' gradient into the pointer it is given,
    /// so that `gradient` receives the raw W_hh's: directly without a mask, through a zeroed
    /// buffer times the mask with one.
    static func accumulateGradient(
        into gradient: UnsafeMutablePointer<Float>, mask: ScratchBuffer?,
        _ accumulate: (UnsafeMutablePointer<Float>) -> Void
    ) {
        guard let mask else { return accumulate(gradient) }
        let maskedGradient = ScratchBuffer(count: mask.count)
        accumulate(maskedGradient.pointer)
        for i in 0..<mask.count { gradient[i] += maskedGradient.pointer[i] * mask.pointer[i] }
    }
}
