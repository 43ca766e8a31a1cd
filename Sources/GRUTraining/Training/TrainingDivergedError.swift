/// A training run whose loss or weights became NaN or infinite: not a problem of the input
/// files but of the optimization (a learning rate too high, gradients not clipped).
///
/// The description is one line naming the epoch and the step, and what to try.
public struct TrainingDivergedError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What stopped being finite.
    public enum Quantity: Equatable, Sendable {
        /// The batch's loss, with its value (NaN or an infinity).
        case loss(Float)
        /// The weights after the optimizer's step.
        case weights
    }

    /// The 1-based epoch.
    public let epoch: Int
    /// The 1-based batch of the epoch.
    public let step: Int
    /// What became NaN or infinite.
    public let quantity: Quantity

    /// A run that diverged at `step` of `epoch`.
    public init(epoch: Int, step: Int, quantity: Quantity) {
        self.epoch = epoch
        self.step = step
        self.quantity = quantity
    }

    /// The one-line message: what became NaN or infinite, where, and what to try.
    public var description: String {
        let what: String
        switch quantity {
        case .loss(let loss): what = "the training loss became \(loss.isNaN ? "NaN" : "\(loss)")"
        case .weights: what = "the weights became NaN or infinite"
        }
        return "\(what) at epoch \(epoch), batch \(step); lower the learning rate or clip gradients (--clip-norm)"
    }
}
