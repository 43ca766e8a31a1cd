import GRUTensor

/// A loss that is the mean, over the elements of the valid rows, of a function of one
/// prediction and its target: L = (1/n) sum l(x, y), dL/dx = l'(x, y) / n.
///
/// Rows run along the last dimension: (..., K) predictions hold N = count / K rows, and a mask
/// (see `sequenceMask`) keeps or drops whole rows; n = K times the valid rows.
public protocol ElementwiseLoss: Sendable {
    /// One element's loss l(x, y), and its derivative dl/dx.
    func term(prediction: Float, target: Float) -> (loss: Double, derivative: Float)
}

extension ElementwiseLoss {
    /// The loss and its gradient with respect to the predictions.
    ///
    /// - Parameters:
    ///   - predictions: (..., K); N = count / K rows.
    ///   - targets: the predictions' shape.
    ///   - mask: N flags, true for rows that count; all rows when nil.
    /// - Throws: `GRUInputError` when a shape or the mask does not fit.
    public func callAsFunction(
        predictions: Tensor, targets: Tensor, mask: [Bool]? = nil
    ) throws -> (loss: Float, gradient: Tensor) {
        try meanOverValidElements(predictions: predictions, targets: targets, mask: mask, predictionName: "predictions")
        {
            x, y, _ in term(prediction: x, target: y)
        }
    }
}

/// The mean of an elementwise loss over the valid rows' elements, and its gradient.
///
/// `term(prediction, target, column)` gives one element's loss and its derivative with respect
/// to the prediction; the derivative is divided by the number of valid elements.
func meanOverValidElements(
    predictions: Tensor, targets: Tensor, mask: [Bool]?, predictionName: String,
    _ term: (Float, Float, Int) -> (loss: Double, derivative: Float)
) throws -> (loss: Float, gradient: Tensor) {
    let layout = try LossRows(predictions, name: predictionName)
    guard targets.shape == predictions.shape else {
        throw GRUInputError(
            .tensor("targets"), found: "shape \(targets.shape)",
            expected: "\(predictions.shape), the \(predictionName)' shape")
    }
    try layout.validate(mask)
    let validRows = mask.map { $0.lazy.filter { $0 }.count } ?? layout.rows
    var gradient = [Float](repeating: 0, count: predictions.count)
    guard validRows > 0 else { return (0, Tensor(shape: predictions.shape, scalars: gradient)) }
    let scale = 1 / Float(validRows * layout.width)
    var total = 0.0
    predictions.scalars.withUnsafeBufferPointer { x in
        targets.scalars.withUnsafeBufferPointer { y in
            gradient.withUnsafeMutableBufferPointer { dx in
                for row in 0..<layout.rows where mask?[row] ?? true {
                    for column in 0..<layout.width {
                        let i = row * layout.width + column
                        let (loss, derivative) = term(x[i], y[i], column)
                        total += loss
                        dx[i] = derivative * scale
                    }
                }
            }
        }
    }
    return (Float(total / Double(validRows * layout.width)), Tensor(shape: predictions.shape, scalars: gradient))
}
