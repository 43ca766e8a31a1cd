/// A learning rate multiplied by γ every `stepSize` epochs, as `torch.optim.lr_scheduler.StepLR`.
///
/// η(n) = η0 γ^floor(n / stepSize).
public struct StepDecaySchedule: LearningRateSchedule, Equatable, Hashable, Codable {
    /// η0, the rate of the first epochs.
    public var baseLearningRate: Float
    /// The number of epochs between decays; positive.
    public var stepSize: Int
    /// γ, the factor applied at each decay.
    public var decayFactor: Float

    /// A schedule starting at η0 and multiplied by γ (default 0.1, as PyTorch) every `stepSize` epochs.
    public init(baseLearningRate: Float, stepSize: Int, decayFactor: Float = 0.1) {
        precondition(stepSize > 0, "StepDecaySchedule stepSize is \(stepSize); expected a positive number")
        self.baseLearningRate = baseLearningRate
        self.stepSize = stepSize
        self.decayFactor = decayFactor
    }

    /// η0 γ^floor(n / stepSize).
    public func learningRate(at step: Int) -> Float {
        var rate = Double(baseLearningRate)
        for _ in 0..<(max(step, 0) / stepSize) { rate *= Double(decayFactor) }
        return Float(rate)
    }
}
