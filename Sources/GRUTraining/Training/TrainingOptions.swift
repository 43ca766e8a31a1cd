import GRUNetworks

/// The hyperparameters of a training run, saved with the model so `--resume` continues the
/// same run. Every field is also a `gru train` flag and a key of its `--config` JSON.
public struct TrainingOptions: Codable, Equatable, Sendable {
    /// Which optimizer updates the parameters.
    public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
        /// Stochastic gradient descent, with optional (Nesterov) momentum (torch.optim.SGD).
        case sgd
        /// Adam, with weight decay added to the gradient (torch.optim.Adam).
        case adam
        /// Adam with decoupled weight decay (torch.optim.AdamW).
        case adamw
        /// RMSprop, with optional momentum (torch.optim.RMSprop).
        case rmsprop
    }

    /// How the learning rate changes over the run.
    public enum ScheduleKind: String, Codable, CaseIterable, Sendable {
        /// Constant.
        case none
        /// Multiplied by `decayFactor` every `stepSize` epochs (StepLR).
        case step
        /// Linear warm-up over `warmupSteps` batches, then cosine decay to 0 over the run.
        case cosine
        /// Multiplied by `decayFactor` when the monitored metric stalls for `schedulePatience` epochs.
        case plateau
    }

    /// The loss of forecast models.
    public enum RegressionLoss: String, Codable, CaseIterable, Sendable {
        /// Mean squared error.
        case mse
        /// Mean absolute error.
        case mae
    }

    /// Epochs to train.
    public var epochs = 10
    /// Sequences per batch.
    public var batchSize = 32
    /// The optimizer.
    public var optimizer = OptimizerKind.adam
    /// The base learning rate, which the schedule changes.
    public var learningRate: Float = 1e-3
    /// SGD and RMSprop momentum.
    public var momentum: Float = 0
    /// SGD: Nesterov momentum.
    public var nesterov = false
    /// L2 weight decay (added to the gradient) for sgd, adam and rmsprop; decoupled for adamw.
    public var weightDecay: Float = 0
    /// Clip the gradient's global norm to this value (torch.nn.utils.clip_grad_norm_).
    public var clipNorm: Float?
    /// Clip every gradient element to [-clipValue, clipValue].
    public var clipValue: Float?
    /// How the learning rate changes over the run.
    public var schedule = ScheduleKind.none
    /// StepLR's period in epochs.
    public var stepSize = 10
    /// StepLR's and reduce-on-plateau's factor.
    public var decayFactor: Float = 0.1
    /// Cosine schedule warm-up, in batches.
    public var warmupSteps = 0
    /// Reduce-on-plateau patience, in epochs.
    public var schedulePatience = 2
    /// Stop when the validation loss has not improved for this many epochs, and restore the
    /// best epoch's weights; nil trains all epochs.
    public var earlyStopping: Int?
    /// The fraction of the training file held out for validation when no validation file is given.
    public var validationFraction = 0.1
    /// Cut every sequence to at most this many steps.
    public var maxLength: Int?
    /// Sort by length within groups of this many batches, so batches waste little padding.
    public var bucketBatches: Int? = 20
    /// Softmax cross-entropy label smoothing.
    public var labelSmoothing: Float = 0
    /// Weigh each class by the inverse of its training frequency (PyTorch's `weight`).
    public var balanceClasses = false
    /// The loss of forecast models.
    public var loss = RegressionLoss.mse
    /// Language models: carry each stream's state from one chunk to the next without
    /// backpropagating across chunks (truncated BPTT); needs unshuffled, consecutive chunks.
    public var truncatedBptt = false
    /// The seed of initialization, shuffling and dropout: the same seed gives the same weights.
    public var seed: UInt64 = 0

    /// Default options.
    public init() {}

    /// Checks the values, naming the first that does not fit.
    public func validate() throws {
        func require(_ condition: Bool, found: @autoclosure () -> String, expected: @autoclosure () -> String) throws {
            if !condition { throw GRUInputError(.setting("training options"), found: found(), expected: expected()) }
        }
        try require(epochs > 0, found: "epochs is \(epochs)", expected: "at least 1")
        try require(
            (1...DataOptions.largestCount).contains(batchSize), found: "batch size is \(batchSize)",
            expected: "1...\(DataOptions.largestCount)")
        try require(
            learningRate > 0 && learningRate.isFinite, found: "learning rate is \(learningRate)",
            expected: "a positive number")
        try require(momentum >= 0 && momentum < 1, found: "momentum is \(momentum)", expected: "[0, 1)")
        try require(
            !nesterov || (optimizer == .sgd && momentum > 0),
            found: "Nesterov momentum with \(optimizer.rawValue) and momentum \(momentum)",
            expected: "the sgd optimizer and a momentum above 0 for Nesterov momentum")
        try require(weightDecay >= 0, found: "weight decay is \(weightDecay)", expected: "at least 0")
        try require(
            clipNorm.map { $0 > 0 } ?? true, found: "clip norm is \(clipNorm ?? 0)", expected: "a positive number")
        try require(
            clipValue.map { $0 > 0 } ?? true, found: "clip value is \(clipValue ?? 0)", expected: "a positive number")
        try require(stepSize > 0, found: "step size is \(stepSize)", expected: "at least 1")
        try require(decayFactor > 0 && decayFactor < 1, found: "decay factor is \(decayFactor)", expected: "(0, 1)")
        try require(
            (0...DataOptions.largestCount).contains(warmupSteps), found: "warm-up steps is \(warmupSteps)",
            expected: "0...\(DataOptions.largestCount)")
        try require(
            earlyStopping.map { $0 > 0 } ?? true, found: "early stopping patience is \(earlyStopping ?? 0)",
            expected: "at least 1")
        try require(
            validationFraction > 0 && validationFraction < 1, found: "validation fraction is \(validationFraction)",
            expected: "(0, 1)")
        try require(
            maxLength.map { $0 > 0 } ?? true, found: "maximum length is \(maxLength ?? 0)", expected: "at least 1")
        try require(
            bucketBatches.map { (1...DataOptions.largestCount).contains($0) } ?? true,
            found: "bucket batches is \(bucketBatches ?? 0)", expected: "1...\(DataOptions.largestCount)")
        try require(schedulePatience >= 0, found: "schedule patience is \(schedulePatience)", expected: "at least 0")
        try require((0...1).contains(labelSmoothing), found: "label smoothing is \(labelSmoothing)", expected: "[0, 1]")
    }

    /// The optimizer these options describe.
    public func makeOptimizer() -> any Optimizer {
        switch optimizer {
        case .sgd:
            return SGD(learningRate: learningRate, momentum: momentum, isNesterov: nesterov, weightDecay: weightDecay)
        case .adam:
            return Adam(learningRate: learningRate, weightDecay: weightDecay)
        case .adamw:
            return Adam.adamW(learningRate: learningRate, weightDecay: weightDecay)
        case .rmsprop:
            return RMSprop(learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
        }
    }
}
