/// A learning rate that depends only on how far training has come: the rate for epoch (or
/// step) n, counted from 0, to set on the optimizer before that epoch's updates.
public protocol LearningRateSchedule: Sendable {
    /// The learning rate for epoch (or step) `step`, from 0.
    func learningRate(at step: Int) -> Float
}
