/// A learning rate cut by a factor when a validation metric stops improving, step for step as
/// `torch.optim.lr_scheduler.ReduceLROnPlateau`.
///
/// After each epoch, `update(metric:)`: a metric better than the best so far (by more than the
/// threshold) becomes the best and clears the count of bad epochs, otherwise the count grows;
/// during cooldown the count stays 0. When it exceeds `patience`, the rate becomes
/// max(η factor, η_min) (if that changes it by more than 1e-8) and cooldown starts.
/// "Better" for `.minimize` with a relative threshold τ: metric < best (1 - τ); absolute:
/// metric < best - τ; mirrored for `.maximize`.
public struct ReduceOnPlateau: Equatable, Hashable, Codable, Sendable {
    /// Whether a lower or a higher metric is better.
    public enum Mode: String, CaseIterable, Codable, Sendable {
        /// Lower is better (a loss), PyTorch's `min`.
        case minimize
        /// Higher is better (an accuracy), PyTorch's `max`.
        case maximize
    }

    /// How the threshold is measured, PyTorch's `threshold_mode`.
    public enum ThresholdMode: String, CaseIterable, Codable, Sendable {
        /// A fraction of the best value, `rel`.
        case relative
        /// A difference in the metric's units, `abs`.
        case absolute
    }

    /// Whether a lower or a higher metric is better.
    public var mode: Mode
    /// The factor applied to the rate at each cut, in (0, 1).
    public var factor: Float
    /// The number of bad epochs tolerated before a cut.
    public var patience: Int
    /// τ, the least improvement that counts.
    public var threshold: Float
    /// How τ is measured.
    public var thresholdMode: ThresholdMode
    /// The number of epochs after a cut during which bad epochs are not counted.
    public var cooldown: Int
    /// η_min, the floor of the rate.
    public var minimumLearningRate: Float
    /// The current learning rate, to set on the optimizer.
    public private(set) var learningRate: Float
    /// The best metric so far; nil before the first update.
    public private(set) var best: Float?
    /// Epochs since the last improvement (PyTorch's `num_bad_epochs`).
    public private(set) var badEpochCount = 0
    /// Epochs of cooldown left (PyTorch's `cooldown_counter`).
    public private(set) var cooldownRemaining = 0

    /// A plateau schedule starting at `learningRate`, with PyTorch's defaults: factor 0.1,
    /// patience 10, relative threshold 1e-4, cooldown 0, η_min 0.
    public init(
        learningRate: Float, mode: Mode = .minimize, factor: Float = 0.1, patience: Int = 10,
        threshold: Float = 1e-4, thresholdMode: ThresholdMode = .relative, cooldown: Int = 0,
        minimumLearningRate: Float = 0
    ) {
        precondition(factor > 0 && factor < 1, "ReduceOnPlateau factor \(factor) is outside (0, 1)")
        self.learningRate = learningRate
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.cooldown = cooldown
        self.minimumLearningRate = minimumLearningRate
    }

    /// Records an epoch's metric and returns the learning rate for the next epoch.
    @discardableResult
    public mutating func update(metric: Float) -> Float {
        if isBetter(metric) {
            best = metric
            badEpochCount = 0
        } else {
            badEpochCount += 1
        }
        if cooldownRemaining > 0 {
            cooldownRemaining -= 1
            badEpochCount = 0
        }
        if badEpochCount > patience {
            let reduced = max(Double(learningRate) * Double(factor), Double(minimumLearningRate))
            if Double(learningRate) - reduced > 1e-8 { learningRate = Float(reduced) }
            cooldownRemaining = cooldown
            badEpochCount = 0
        }
        return learningRate
    }

    /// Whether `metric` improves on the best by more than the threshold; before the first
    /// update the best is ±infinity, as in PyTorch, so any finite metric improves on it.
    private func isBetter(_ metric: Float) -> Bool {
        guard let best else { return metric.isFinite }
        let (value, reference, tau) = (Double(metric), Double(best), Double(threshold))
        switch (mode, thresholdMode) {
        case (.minimize, .relative): return value < reference * (1 - tau)
        case (.minimize, .absolute): return value < reference - tau
        case (.maximize, .relative): return value > reference * (1 + tau)
        case (.maximize, .absolute): return value > reference + tau
        }
    }
}
