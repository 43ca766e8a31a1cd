/// Mean absolute error, as PyTorch's `nn.L1Loss` (mean reduction) and Keras's `MeanAbsoluteError`.
///
/// l(x, y) = |x - y|, dl/dx = sign(x - y) with sign(0) = 0 as in PyTorch; L is the mean over
/// the valid elements (see `ElementwiseLoss` for rows and masks).
public struct MeanAbsoluteErrorLoss: ElementwiseLoss, Equatable, Hashable, Codable {
    /// The loss; it has no settings.
    public init() {}

    /// |x - y| and sign(x - y).
    public func term(prediction: Float, target: Float) -> (loss: Double, derivative: Float) {
        let difference = prediction - target
        let sign: Float = difference > 0 ? 1 : (difference < 0 ? -1 : 0)
        return (Double(abs(difference)), sign)
    }
}
