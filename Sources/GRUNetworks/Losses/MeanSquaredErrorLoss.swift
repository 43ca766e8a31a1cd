/// Mean squared error, as PyTorch's `nn.MSELoss` (mean reduction) and Keras's `MeanSquaredError`.
///
/// l(x, y) = (x - y)^2, dl/dx = 2 (x - y); L is the mean over the valid elements (see
/// `ElementwiseLoss` for rows and masks).
public struct MeanSquaredErrorLoss: ElementwiseLoss, Equatable, Hashable, Codable {
    /// The loss; it has no settings.
    public init() {}

    /// (x - y)^2 and 2 (x - y).
    public func term(prediction: Float, target: Float) -> (loss: Double, derivative: Float) {
        let difference = prediction - target
        return (Double(difference) * Double(difference), 2 * difference)
    }
}
