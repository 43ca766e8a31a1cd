import Foundation
import GRUTensor

/// Metrics of a model on a data set, accumulated batch by batch.
///
/// Classification (classify, tag) counts a confusion matrix over valid predictions: accuracy
/// and macro-F1 (the mean F1 over classes that occur in the targets or the predictions).
/// Forecasts report MAE and RMSE in the data's units (targets denormalized). Language models
/// report perplexity, e^(mean cross-entropy per token). Every task reports the mean loss.
public struct Evaluation: Codable, Equatable, Sendable {
    /// The mean loss per element (the training objective, without regularization).
    public var loss: Double { lossWeight > 0 ? lossSum / Double(lossWeight) : .nan }
    /// The number of classes (0 for forecasts).
    public let classCount: Int
    /// How often each (true class, predicted class) pair occurred, by target * classCount +
    /// predicted: sparse, as a dense matrix of a million classes would not fit in memory.
    private var pairCounts: [Int: Int] = [:]
    /// Per class: how often it was the target, how often predicted, how often both.
    private var targetCounts: [Int], predictedCounts: [Int], correctCounts: [Int]
    private var lossSum = 0.0
    private var lossWeight = 0
    private var absoluteErrorSum = 0.0
    private var squaredErrorSum = 0.0
    private var valueCount = 0
    /// The task evaluated.
    public let task: SequenceTask

    /// An empty evaluation for a task with `classCount` classes (0 for forecasts).
    public init(task: SequenceTask, classCount: Int) {
        self.task = task
        self.classCount = classCount
        targetCounts = Array(repeating: 0, count: classCount)
        predictedCounts = targetCounts
        correctCounts = targetCounts
    }

    /// Rows: true class; columns: predicted class. Empty for forecasts; built on each use.
    public var confusion: [[Int]] {
        var matrix = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        for (pair, count) in pairCounts { matrix[pair / classCount][pair % classCount] = count }
        return matrix
    }

    /// Adds one batch: its mean loss, the model output and the batch's targets.
    ///
    /// - Parameter denormalize: maps normalized forecast values (B*K, row-major) to data units.
    public mutating func add(
        loss: Float, weight: Int, output: Tensor, batch: SequenceBatch, denormalize: (([Float]) -> [Float])? = nil
    ) {
        lossSum += Double(loss) * Double(weight)
        lossWeight += weight
        let width = output.shape.last ?? 1
        switch batch.targets {
        case .classes(let classes):
            for (row, target) in classes.enumerated() { count(target: target, row: row, width: width, output: output) }
        case .stepClasses(let classes):
            let mask = batch.mask
            for (row, target) in classes.enumerated() where mask[row] > 0 {
                count(target: target, row: row, width: width, output: output)
            }
        case .values(let targets):
            let predicted = denormalize?(output.scalars) ?? output.scalars
            let expected = denormalize?(targets.scalars) ?? targets.scalars
            for (p, e) in zip(predicted, expected) {
                let error = Double(p) - Double(e)
                absoluteErrorSum += abs(error)
                squaredErrorSum += error * error
            }
            valueCount += expected.count
        case .none:
            preconditionFailure("evaluation needs targets; unlabelled data is for prediction only")
        }
    }

    private mutating func count(target: Int, row: Int, width: Int, output: Tensor) {
        guard task != .languageModel else { return }  // a vocabulary-sized confusion matrix says little
        var best = 0
        var bestValue = -Float.infinity
        for c in 0..<width where output.scalars[row * width + c] > bestValue {
            bestValue = output.scalars[row * width + c]
            best = c
        }
        pairCounts[target * classCount + best, default: 0] += 1
        targetCounts[target] += 1
        predictedCounts[best] += 1
        if best == target { correctCounts[target] += 1 }
    }

    /// Replaces these counts by their sums over every process of `group`, each of which
    /// evaluated its part of the data: the metrics of the whole data set, on every process.
    /// The confusion pairs travel as a dense matrix, left out (and the sum's `confusion`
    /// empty) beyond 1,024 classes.
    public mutating func sum(over group: any ProcessGroup) throws {
        let classes = classCount
        let densePairs = task != .languageModel && classes <= 1024
        var values = [lossSum, Double(lossWeight), absoluteErrorSum, squaredErrorSum, Double(valueCount)]
        values += (targetCounts + predictedCounts + correctCounts).map(Double.init)
        if densePairs {
            var pairs = [Double](repeating: 0, count: classes * classes)
            for (pair, count) in pairCounts { pairs[pair] = Double(count) }
            values += pairs
        }
        try values.withUnsafeMutableBufferPointer { try group.sum($0) }
        (lossSum, lossWeight, absoluteErrorSum, squaredErrorSum) = (values[0], Int(values[1]), values[2], values[3])
        valueCount = Int(values[4])
        let counts = values[5..<(5 + 3 * classes)].map { Int($0) }
        targetCounts = Array(counts[0..<classes])
        predictedCounts = Array(counts[classes..<(2 * classes)])
        correctCounts = Array(counts[(2 * classes)...])
        pairCounts = [:]
        if densePairs {
            for (pair, count) in values[(5 + 3 * classes)...].enumerated() where count > 0 {
                pairCounts[pair] = Int(count)
            }
        }
    }

    /// The fraction of correct predictions.
    public var accuracy: Double? {
        let total = targetCounts.reduce(0, +)
        guard total > 0 else { return nil }
        return Double(correctCounts.reduce(0, +)) / Double(total)
    }

    /// The mean F1 over classes that occur among targets or predictions.
    public var macroF1: Double? {
        guard accuracy != nil else { return nil }
        var scores: [Double] = []
        for c in 0..<classCount {
            let truePositive = Double(correctCounts[c])
            let actual = Double(targetCounts[c])
            let predicted = Double(predictedCounts[c])
            guard actual + predicted > 0 else { continue }
            scores.append(2 * truePositive / (actual + predicted))
        }
        return scores.isEmpty ? nil : scores.reduce(0, +) / Double(scores.count)
    }

    /// Mean absolute error of forecasts, in the data's units.
    public var meanAbsoluteError: Double? { valueCount > 0 ? absoluteErrorSum / Double(valueCount) : nil }

    /// Root mean squared error of forecasts, in the data's units.
    public var rootMeanSquaredError: Double? {
        valueCount > 0 ? (squaredErrorSum / Double(valueCount)).squareRoot() : nil
    }

    /// e^(mean cross-entropy per token), for language models.
    public var perplexity: Double? { task == .languageModel && lossWeight > 0 ? exp(loss) : nil }

    /// The metric that early stopping and reduce-on-plateau watch: the loss (lower is better).
    public var monitored: Double { loss }

    /// The metrics by name, as `gru evaluate --json` prints them.
    public var summary: [String: Double] {
        var result = ["loss": loss]
        result["accuracy"] = accuracy
        result["macro_f1"] = macroF1
        result["mae"] = meanAbsoluteError
        result["rmse"] = rootMeanSquaredError
        result["perplexity"] = perplexity
        return result
    }
}
