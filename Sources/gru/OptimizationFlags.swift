import ArgumentParser
import GRUKit

extension TrainingOptions.OptimizerKind: ExpressibleByArgument {}
extension TrainingOptions.ScheduleKind: ExpressibleByArgument {}
extension TrainingOptions.RegressionLoss: ExpressibleByArgument {}

/// The `gru train` flags of the optimization, named as the fields of `OptimizationSettings`.
struct OptimizationFlags: SettingsFlags {
    typealias Settings = OptimizationSettings

    @Option(help: "Epochs (default 10).") var epochs: Int?
    @Option(help: "Sequences per batch (default 32).") var batchSize: Int?
    @Option(help: "sgd, adam (default), adamw or rmsprop.") var optimizer: TrainingOptions.OptimizerKind?
    @Option(help: "Learning rate (default 0.001).") var learningRate: Float?
    @Option(help: "Momentum for sgd and rmsprop.") var momentum: Float?
    @Flag(help: "Nesterov momentum (sgd).") var nesterov = false
    @Option(help: "Weight decay: L2 for sgd, adam, rmsprop; decoupled for adamw.") var weightDecay: Float?
    @Option(help: "Clip the gradients' global norm.") var clipNorm: Float?
    @Option(help: "Clip each gradient to [-value, value].") var clipValue: Float?
    @Option(help: "Learning-rate schedule: none, step, cosine or plateau.") var schedule: TrainingOptions.ScheduleKind?
    @Option(help: "Epochs between step decays.") var stepSize: Int?
    @Option(help: "Factor of step and plateau decays (default 0.1).") var decayFactor: Float?
    @Option(help: "Warm-up batches of the cosine schedule.") var warmupSteps: Int?
    @Option(help: "Epochs without improvement before a plateau decay.") var schedulePatience: Int?
    @Option(help: "Stop after this many epochs without a better validation loss; keep the best weights.")
    var earlyStopping: Int?
    @Option(help: "Label smoothing of the cross-entropy.") var labelSmoothing: Float?
    @Option(
        help:
            "Seq2seq: scheduled sampling, the probability of feeding the model's own prediction instead of the true previous token."
    )
    var scheduledSampling: Float?
    @Option(help: "Seq2seq: epochs over which the scheduled sampling probability rises linearly from 0 (default 0).")
    var scheduledSamplingRamp: Int?
    @Flag(help: "Weigh classes by inverse frequency.") var balanceClasses = false
    @Option(help: "Forecast loss: mse (default) or mae.") var loss: TrainingOptions.RegressionLoss?
    @Flag(help: "Language models: carry the state across consecutive chunks (truncated BPTT).") var truncatedBptt =
        false
    @Option(help: "Seed of initialization, shuffling and dropout (default 0).") var seed: UInt64?
}
