import Foundation
import GRUTensor

/// Binary cross-entropy on logits, as PyTorch's `nn.BCEWithLogitsLoss` (mean reduction) and
/// Keras's `BinaryCrossentropy(from_logits=True)`.
///
/// For a logit x, a target probability y in [0, 1] and the positive weight w of its column:
/// l = -w y log σ(x) - (1 - y) log(1 - σ(x)), computed stably as
/// l = (1 - y) x + (1 + (w - 1) y) (log(1 + e^-|x|) + max(-x, 0)),
/// dl/dx = (1 - y) - (1 + (w - 1) y) σ(-x), which is σ(x) - y when w = 1.
/// L is the mean of l over the valid elements.
public struct BinaryCrossEntropyLoss: Equatable, Hashable, Codable, Sendable {
    /// PyTorch's `pos_weight`: one weight per column K (or one for all), scaling the loss of
    /// positive targets; nil for 1.
    public var positiveWeights: [Float]?

    /// The loss, with optional positive weights.
    public init(positiveWeights: [Float]? = nil) {
        self.positiveWeights = positiveWeights
    }

    /// The loss and its gradient with respect to the logits.
    ///
    /// - Parameters:
    ///   - logits: (..., K); N = count / K rows.
    ///   - targets: the logits' shape, probabilities in [0, 1].
    ///   - mask: N flags, true for rows that count; all rows when nil.
    /// - Throws: `GRUInputError` when a shape, the mask or the positive weights do not fit.
    public func callAsFunction(
        logits: Tensor, targets: Tensor, mask: [Bool]? = nil
    ) throws -> (loss: Float, gradient: Tensor) {
        let width = logits.shape.last ?? 1
        if let positiveWeights, positiveWeights.count != 1, positiveWeights.count != width {
            throw GRUInputError(
                .tensor("positive weights"), found: "\(positiveWeights.count) entries",
                expected: "1 or \(width), one per column")
        }
        return try meanOverValidElements(
            predictions: logits, targets: targets, mask: mask, predictionName: "logits"
        ) { logit, target, column in
            let x = Double(logit), y = Double(target)
            let w = positiveWeights.map { Double($0.count == 1 ? $0[0] : $0[column]) } ?? 1
            let positiveFactor = 1 + (w - 1) * y
            let loss = (1 - y) * x + positiveFactor * (log1p(exp(-abs(x))) + max(-x, 0))
            let sigmoidOfNegative = 1 / (1 + exp(x))
            return (loss, Float((1 - y) - positiveFactor * sigmoidOfNegative))
        }
    }
}
