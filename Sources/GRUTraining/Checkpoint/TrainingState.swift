import GRUNetworks

/// Where a training run stands after a whole epoch: what `--resume` needs besides the weights
/// and the optimizer's buffers, and the history that the log and the curve are drawn from.
public struct TrainingState: Codable, Equatable, Sendable {
    /// Epochs finished.
    public var epochsCompleted = 0
    /// Optimizer steps taken (batches), which the cosine schedule follows.
    public var stepsCompleted = 0
    /// The lowest validation loss so far (the training loss without validation data); nil
    /// before the first epoch.
    public var bestLoss: Double?
    /// The epoch (1-based) of `bestLoss`.
    public var bestEpoch: Int?
    /// Epochs since the best one, for early stopping.
    public var epochsWithoutImprovement = 0
    /// The learning rate the next epoch starts with.
    public var learningRate: Float
    /// Reduce-on-plateau's own state (best metric, bad epochs, cooldown), when that schedule runs.
    public var plateau: ReduceOnPlateau?
    /// Why the run ended early, if it did.
    public var stopReason: String?
    /// One record per finished epoch.
    public var history: [EpochRecord] = []

    /// The state before the first epoch.
    public init(learningRate: Float) {
        self.learningRate = learningRate
    }
}

/// What one epoch did.
public struct EpochRecord: Codable, Equatable, Sendable {
    /// 1-based.
    public var epoch: Int
    /// The mean training loss over the epoch's batches (with dropout on).
    public var trainingLoss: Double
    /// Validation metrics (`loss`, `accuracy`, `macro_f1`, `mae`, `rmse`, `perplexity`).
    public var validation: [String: Double]?
    /// The learning rate at the epoch's end.
    public var learningRate: Float
    /// Wall-clock seconds of the epoch, training and validation.
    public var seconds: Double
    /// Training sequences per second (of all processes together).
    public var sequencesPerSecond: Double
    /// In data-parallel training, the seconds this process spent summing gradients with the
    /// others, once all had reached the sum; nil for one process.
    public var reductionSeconds: Double?
    /// In data-parallel training, the seconds this process waited for the slowest one to
    /// reach each step's sum; nil for one process.
    public var waitingSeconds: Double?
    /// Target tokens (end tokens included) per second of the training steps, for an
    /// encoder-decoder, whose sequences vary too much in length for `sequencesPerSecond` to
    /// compare runs; nil for other tasks.
    public var targetTokensPerSecond: Double?

    /// A record of the given values.
    public init(
        epoch: Int, trainingLoss: Double, validation: [String: Double]?, learningRate: Float, seconds: Double,
        sequencesPerSecond: Double, reductionSeconds: Double? = nil, waitingSeconds: Double? = nil,
        targetTokensPerSecond: Double? = nil
    ) {
        self.epoch = epoch
        self.trainingLoss = trainingLoss
        self.validation = validation
        self.learningRate = learningRate
        self.seconds = seconds
        self.sequencesPerSecond = sequencesPerSecond
        self.reductionSeconds = reductionSeconds
        self.waitingSeconds = waitingSeconds
        self.targetTokensPerSecond = targetTokensPerSecond
    }
}
