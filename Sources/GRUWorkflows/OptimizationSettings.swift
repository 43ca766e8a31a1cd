import GRUTraining

/// The optimization settings of a training run that a user gave, each nil when not given: the
/// `gru train` flags of the optimization group and their `--config` keys (`learning_rate` for
/// `learningRate`). Each is named as the field of `TrainingOptions` it sets, where its
/// meaning and default are documented.
public struct OptimizationSettings: Codable, Equatable, Sendable {
    /// Epochs to train.
    public var epochs: Int?
    /// Sequences per batch.
    public var batchSize: Int?
    /// The optimizer.
    public var optimizer: TrainingOptions.OptimizerKind?
    /// The base learning rate.
    public var learningRate: Float?
    /// SGD and RMSprop momentum.
    public var momentum: Float?
    /// SGD: Nesterov momentum.
    public var nesterov: Bool?
    /// L2 (sgd, adam, rmsprop) or decoupled (adamw) weight decay.
    public var weightDecay: Float?
    /// The gradients' largest global norm.
    public var clipNorm: Float?
    /// The gradients' largest absolute element.
    public var clipValue: Float?
    /// The learning-rate schedule.
    public var schedule: TrainingOptions.ScheduleKind?
    /// Epochs between step decays.
    public var stepSize: Int?
    /// The factor of step and plateau decays.
    public var decayFactor: Float?
    /// Warm-up batches of the cosine schedule.
    public var warmupSteps: Int?
    /// Epochs without improvement before a plateau decay.
    public var schedulePatience: Int?
    /// Epochs without a better validation loss before training stops.
    public var earlyStopping: Int?
    /// Label smoothing of the cross-entropy.
    public var labelSmoothing: Float?
    /// Seq2seq: scheduled sampling's last probability of feeding the model's own prediction.
    public var scheduledSampling: Float?
    /// Seq2seq: the epochs over which scheduled sampling's probability rises from 0.
    public var scheduledSamplingRamp: Int?
    /// Whether classes are weighed by inverse frequency.
    public var balanceClasses: Bool?
    /// The forecast loss.
    public var loss: TrainingOptions.RegressionLoss?
    /// Language models: carry the state across consecutive chunks.
    public var truncatedBptt: Bool?
    /// The seed of initialization, shuffling and dropout.
    public var seed: UInt64?

    /// Settings that give nothing.
    public init() {}
}
