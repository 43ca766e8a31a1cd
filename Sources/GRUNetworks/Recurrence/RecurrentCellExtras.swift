/// The defaults of `RecurrentCell`'s hooks for cells with extra parameters or a transformed
/// input projection: the GRU, LSTM and plain RNN have neither, so they change nothing.
extension RecurrentCell {
    /// None.
    public static func extraParameters(hiddenSize: Int) -> [RecurrentExtraParameter] { [] }

    /// The packing without extra tensors.
    public func packStepWeights(
        hidden: Int, recurrentWeight: UnsafePointer<Float>, recurrentBias: UnsafePointer<Float>?,
        inputBias: UnsafePointer<Float>?, extraParameters: UnsafePointer<Float>?
    ) -> StepWeights {
        packStepWeights(
            hidden: hidden, recurrentWeight: recurrentWeight, recurrentBias: recurrentBias, inputBias: inputBias)
    }

    /// The packing without extra tensors.
    public func packGradientWeights(
        hidden: Int, recurrentWeight: UnsafePointer<Float>, extraParameters: UnsafePointer<Float>?
    ) -> GradientWeights {
        packGradientWeights(hidden: hidden, recurrentWeight: recurrentWeight)
    }

    /// None.
    public static func inputProjectionCacheWidth(hidden: Int) -> Int { 0 }

    /// None.
    public static func stepCacheWidth(hidden: Int) -> Int { 0 }

    /// Leaves the projections as the GEMM wrote them.
    public func finishInputProjection(
        rows: Int, hidden: Int, projection: UnsafeMutablePointer<Float>, extraParameters: UnsafePointer<Float>?,
        cache: UnsafeMutablePointer<Float>?
    ) {}

    /// Nothing to finish.
    public func finishProjectionGradients(_ gradients: RecurrentProjectionGradients) {}
}

/// What `RecurrentCell.finishProjectionGradients` works on for one layer and direction.
///
/// Legend: R = T*B rows, G gates, H hidden size, I the layer's input width.
public struct RecurrentProjectionGradients {
    /// R.
    public let rows: Int
    /// H.
    public let hidden: Int
    /// I.
    public let inputSize: Int
    /// (R, I) the layer's input, by time.
    public let layerInput: UnsafePointer<Float>
    /// (G*H, I) W_ih.
    public let inputWeight: UnsafePointer<Float>
    /// (G*H, H) W_hh.
    public let recurrentWeight: UnsafePointer<Float>
    /// (R, H) what the recurrent products saw, by step.
    public let recurrentInputs: UnsafePointer<Float>
    /// (R, G*H) by time: dL/d(what the steps read as input projection) on entry; what the
    /// W_ih and input gradient products use on return.
    public let inputProjectionGradient: UnsafeMutablePointer<Float>
    /// (R, G*H) by step: the steps' hidden projection gradients on entry; what the W_hh
    /// gradient product uses on return.
    public let hiddenProjectionGradient: UnsafeMutablePointer<Float>
    /// The direction's extra tensors, contiguous, or nil.
    public let extraParameters: UnsafePointer<Float>?
    /// Their gradients, added to, or nil.
    public let extraParameterGradients: UnsafeMutablePointer<Float>?
    /// (R, `inputProjectionCacheWidth`) by time, what `finishInputProjection` kept, or nil.
    public let inputProjectionCache: UnsafePointer<Float>?
    /// (R, `stepCacheWidth`) by step, what the forward steps kept, or nil.
    public let stepCache: UnsafePointer<Float>?
}
