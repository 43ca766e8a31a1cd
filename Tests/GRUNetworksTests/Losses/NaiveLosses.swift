import Foundation

/// The losses in Double straight from PyTorch's definitions, with mean reduction over valid
/// rows (rows along the last dimension, `width` wide): the functions finite differences perturb.
enum NaiveLosses {
    /// nll weighted mean plus the smoothing term, as torch's cross_entropy reference.
    static func crossEntropy(
        _ logits: [Double], classes: Int, targets: [Int], mask: [Bool]?, weights: [Double]?, smoothing: Double
    ) -> Double {
        let w = weights ?? Array(repeating: 1, count: classes)
        var nll = 0.0, smooth = 0.0, denominator = 0.0
        for row in 0..<targets.count where mask?[row] ?? true {
            let x = logits[(row * classes)..<((row + 1) * classes)]
            let logNormalizer = log(x.map { exp($0) }.reduce(0, +))
            let logProbabilities = x.map { $0 - logNormalizer }
            nll -= w[targets[row]] * logProbabilities[targets[row]]
            smooth -= zip(w, logProbabilities).map(*).reduce(0, +)
            denominator += w[targets[row]]
        }
        return (1 - smoothing) * nll / denominator + smoothing / Double(classes) * smooth / denominator
    }

    /// The mean of `term(x, y, column)` over the valid rows' elements.
    static func elementwise(
        _ x: [Double], _ y: [Double], width: Int, mask: [Bool]?, _ term: (Double, Double, Int) -> Double
    ) -> Double {
        var total = 0.0, count = 0
        for i in x.indices where mask?[i / width] ?? true {
            total += term(x[i], y[i], i % width)
            count += 1
        }
        return total / Double(count)
    }

    /// -w y log σ(x) - (1 - y) log(1 - σ(x)), not in the stable form.
    static func binaryCrossEntropy(_ x: Double, _ y: Double, positiveWeight: Double) -> Double {
        let p = 1 / (1 + exp(-x))
        return -positiveWeight * y * log(p) - (1 - y) * log(1 - p)
    }
}
