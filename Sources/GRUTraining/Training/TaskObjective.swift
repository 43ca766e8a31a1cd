import GRUNetworks
import GRUTensor

/// The loss a task trains with, and its gradient with respect to the model's output.
///
/// - classify: softmax cross-entropy over (B, C), optional class weights and label smoothing;
/// - tag, language-model: the same per step over (T*B, C), masked by the sequence lengths;
/// - forecast: mean squared (or absolute) error over (B, K).
public struct TaskObjective: Sendable {
    /// The task.
    public let task: SequenceTask
    /// The classification loss (classify, tag, language-model).
    public let crossEntropy: CrossEntropyLoss
    /// The regression loss (forecast).
    public let regressionLoss: TrainingOptions.RegressionLoss

    /// The objective of a task with the given classification and regression settings.
    public init(
        task: SequenceTask, crossEntropy: CrossEntropyLoss = CrossEntropyLoss(),
        regressionLoss: TrainingOptions.RegressionLoss = .mse
    ) {
        self.task = task
        self.crossEntropy = crossEntropy
        self.regressionLoss = regressionLoss
    }

    /// The mean loss over the batch's valid elements and its gradient.
    public func loss(output: Tensor, batch: SequenceBatch) throws -> (loss: Float, gradient: Tensor) {
        switch batch.targets {
        case .classes(let classes):
            return try crossEntropy(logits: output, targets: classes)
        case .stepClasses(let classes):
            return try crossEntropy(logits: output, targets: classes, mask: batch.mask.map { $0 > 0 })
        case .values(let targets):
            switch regressionLoss {
            case .mse: return try MeanSquaredErrorLoss()(predictions: output, targets: targets)
            case .mae: return try MeanAbsoluteErrorLoss()(predictions: output, targets: targets)
            }
        case .none:
            preconditionFailure("a loss needs targets; unlabelled data is for prediction only")
        }
    }

    /// How many elements the batch's mean loss averages over, to combine batch means exactly.
    public func weight(of batch: SequenceBatch) -> Int {
        switch batch.targets {
        case .classes(let classes): return classes.count
        case .stepClasses: return batch.lengths.reduce(0, +)
        case .values(let targets): return targets.count
        case .none: return 0
        }
    }

    /// What the batch's mean loss divides by: `weight(of:)`, or with class weights the sum of
    /// the valid rows' target weights (PyTorch's weighted mean). Processes that each hold part
    /// of a batch scale their gradients by it to add up to the whole batch's.
    public func normalizer(of batch: SequenceBatch) -> Double {
        guard let classWeights = crossEntropy.classWeights else { return Double(weight(of: batch)) }
        switch batch.targets {
        case .classes(let classes):
            return classes.reduce(0) { $0 + Double(classWeights[$1]) }
        case .stepClasses(let classes):
            return zip(classes, batch.mask).reduce(0) { $0 + ($1.1 > 0 ? Double(classWeights[$1.0]) : 0) }
        case .values, .none:
            return Double(weight(of: batch))
        }
    }
}
