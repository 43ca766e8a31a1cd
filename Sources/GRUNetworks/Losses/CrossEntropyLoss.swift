import Foundation
import GRUTensor

/// Softmax cross-entropy between logits and integer class targets, as PyTorch's
/// `nn.CrossEntropyLoss` (mean reduction), with optional row mask, class weights and label
/// smoothing.
///
/// Legend: N rows, C classes, y_i the target of row i, p = softmax(x_i), w the class weights
/// (all 1 when nil), ε the label smoothing. Per valid row:
/// l_i = (1 - ε) * (-w[y_i] log p[y_i]) + (ε / C) * (-sum_c w[c] log p[c]),
/// and L = sum_i l_i / sum_i w[y_i] over the valid rows: PyTorch's weighted mean, which for
/// w = 1 is the mean over valid rows, including its smoothing term. The gradient is
/// dL/dx_ic = ((1 - ε) w[y_i] (p_c - [c = y_i]) + (ε / C) (p_c sum_k w[k] - w[c])) / sum_i w[y_i].
/// A masked row plays the part of PyTorch's `ignore_index`: no loss, no weight, zero gradient.
public struct CrossEntropyLoss: Equatable, Hashable, Codable, Sendable {
    /// PyTorch's `weight`: C non-negative weights, one per class; nil for all 1.
    public var classWeights: [Float]?
    /// PyTorch's `label_smoothing`, ε in [0, 1]: the target becomes (1 - ε) one-hot + ε / C.
    public var labelSmoothing: Float

    /// The loss, with optional class weights and label smoothing ε in [0, 1].
    public init(classWeights: [Float]? = nil, labelSmoothing: Float = 0) {
        precondition((0...1).contains(labelSmoothing), "label smoothing \(labelSmoothing) is outside [0, 1]")
        self.classWeights = classWeights
        self.labelSmoothing = labelSmoothing
    }

    /// The loss and its gradient with respect to the logits.
    ///
    /// - Parameters:
    ///   - logits: (..., C); N = count / C rows, such as (T, B, C) for per-step tagging.
    ///   - targets: N class indices in 0..<C (any value in masked rows).
    ///   - mask: N flags, true for rows that count (see `sequenceMask`); all rows when nil.
    /// - Throws: `GRUInputError` when a count does not fit or a valid row's target is out of range.
    public func callAsFunction(
        logits: Tensor, targets: [Int], mask: [Bool]? = nil
    ) throws -> (loss: Float, gradient: Tensor) {
        let layout = try LossRows(logits, name: "logits")
        let classes = layout.width
        guard targets.count == layout.rows else {
            throw GRUInputError(
                .tensor("targets"), found: "\(targets.count) entries",
                expected: "one per row of the logits, \(layout.rows)")
        }
        try layout.validate(mask)
        if let classWeights, classWeights.count != classes {
            throw GRUInputError(
                .tensor("class weights"), found: "\(classWeights.count) entries", expected: "one per class, \(classes)")
        }
        for (row, target) in targets.enumerated() where (mask?[row] ?? true) && !(0..<classes).contains(target) {
            throw GRUInputError(
                .tensor("targets"), found: "target \(target) of row \(row)",
                expected: "targets in the classes 0..<\(classes)")
        }
        let weights = (classWeights ?? Array(repeating: 1, count: classes)).map(Double.init)
        let weightSum = weights.reduce(0, +)
        var denominator = 0.0
        for (row, target) in targets.enumerated() where mask?[row] ?? true { denominator += weights[target] }
        var gradient = [Float](repeating: 0, count: logits.count)
        guard denominator > 0 else { return (0, Tensor(shape: logits.shape, scalars: gradient)) }

        let smoothing = Double(labelSmoothing), share = smoothing / Double(classes)
        var total = 0.0
        logits.scalars.withUnsafeBufferPointer { x in
            gradient.withUnsafeMutableBufferPointer { dx in
                for row in 0..<layout.rows where mask?[row] ?? true {
                    let start = row * classes, target = targets[row]
                    // log p_c = x_c - (max + log sum exp(x - max)).
                    var largest = -Float.infinity
                    for c in 0..<classes { largest = max(largest, x[start + c]) }
                    var sum = 0.0
                    for c in 0..<classes { sum += exp(Double(x[start + c] - largest)) }
                    let logNormalizer = Double(largest) + log(sum)
                    var smoothTerm = 0.0
                    for c in 0..<classes {
                        let logProbability = Double(x[start + c]) - logNormalizer
                        let probability = exp(logProbability)
                        smoothTerm -= weights[c] * logProbability
                        let oneHot = c == target ? 1.0 : 0.0
                        let g =
                            (1 - smoothing) * weights[target] * (probability - oneHot)
                            + share * (probability * weightSum - weights[c])
                        dx[start + c] = Float(g / denominator)
                        if c == target { total -= (1 - smoothing) * weights[target] * logProbability }
                    }
                    total += share * smoothTerm
                }
            }
        }
        return (Float(total / denominator), Tensor(shape: logits.shape, scalars: gradient))
    }
}
