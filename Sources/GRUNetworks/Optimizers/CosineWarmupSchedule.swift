import Foundation

/// A linear warm-up to the base learning rate followed by a cosine decay to a floor, as
/// `torch.optim.lr_scheduler.SequentialLR` of `LinearLR(start_factor, total_iters=W)` and
/// `CosineAnnealingLR(T_max=S-W, eta_min)` with milestone W.
///
/// Legend: η0 base rate, η_min floor, f start factor, W warm-up steps, S total steps.
/// - n < W: η(n) = η0 (f + (1 - f) n / W);
/// - W <= n <= S: η(n) = η_min + (η0 - η_min) (1 + cos(π (n - W) / (S - W))) / 2;
/// - n > S: η_min (PyTorch's cosine would rise again).
public struct CosineWarmupSchedule: LearningRateSchedule, Equatable, Hashable, Codable {
    /// η0, reached at the end of warm-up.
    public var baseLearningRate: Float
    /// W, the number of warm-up epochs (or steps); 0 for none.
    public var warmupSteps: Int
    /// S, the epoch (or step) at which the rate reaches η_min; greater than W.
    public var totalSteps: Int
    /// η_min, the floor of the cosine.
    public var minimumLearningRate: Float
    /// f, the fraction of η0 at step 0, in (0, 1].
    public var warmupStartFactor: Float

    /// A warm-up of W steps from f η0 to η0, then a cosine to η_min at step S.
    ///
    /// - Parameter warmupStartFactor: f; nil for 1 / (W + 1), so that warm-up rates are
    ///   η0 (n + 1) / (W + 1) and no step has a zero rate.
    public init(
        baseLearningRate: Float, warmupSteps: Int, totalSteps: Int, minimumLearningRate: Float = 0,
        warmupStartFactor: Float? = nil
    ) {
        precondition(
            warmupSteps >= 0 && totalSteps > warmupSteps,
            "CosineWarmupSchedule needs 0 <= warmupSteps < totalSteps; got \(warmupSteps) and \(totalSteps)")
        let factor = warmupStartFactor ?? 1 / Float(warmupSteps + 1)
        precondition(factor > 0 && factor <= 1, "warmupStartFactor \(factor) is outside (0, 1]")
        self.baseLearningRate = baseLearningRate
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minimumLearningRate = minimumLearningRate
        self.warmupStartFactor = factor
    }

    /// The warm-up line before W, the cosine from W to S, η_min after.
    public func learningRate(at step: Int) -> Float {
        let base = Double(baseLearningRate), floor = Double(minimumLearningRate)
        let step = max(step, 0)
        if step < warmupSteps {
            let start = Double(warmupStartFactor)
            return Float(base * (start + (1 - start) * Double(step) / Double(warmupSteps)))
        }
        guard step <= totalSteps else { return minimumLearningRate }
        let progress = Double(step - warmupSteps) / Double(totalSteps - warmupSteps)
        return Float(floor + (base - floor) * (1 + cos(Double.pi * progress)) / 2)
    }
}
