import ArgumentParser
import Foundation
import GRUKit

extension SequenceTask: ExpressibleByArgument {}
extension DataFormat: ExpressibleByArgument {}
extension SequencePooling.Mode: ExpressibleByArgument {}
extension TrainingOptions.OptimizerKind: ExpressibleByArgument {}
extension TrainingOptions.ScheduleKind: ExpressibleByArgument {}
extension TrainingOptions.RegressionLoss: ExpressibleByArgument {}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a GRU model on a data file and save it in a model directory.",
        discussion: """
            The format follows the file extension (.ts, .csv, .tsv, .conll, .txt, .npy) unless \
            --format names it. Every setting (all flags but --train, --validation, --model, --config and \
            --resume) is also a key of --config FILE.json (snake_case, such as "hidden_size"); \
            flags win over the file. The model directory gets model.json, \
            weights.safetensors (PyTorch names), checkpoint.safetensors (for --resume), log.jsonl \
            and curve.svg, saved as one set after every epoch; an earlier model in the \
            directory stays as it was until the first epoch ends, and one run at a time may \
            write a directory. With --resume, settings given \
            must match the checkpointed run's (only --epochs may differ).
            """
    )

    // MARK: Files
    @Option(help: "The task: classify, tag, forecast or language-model. Default: from the data format.")
    var task: SequenceTask?
    @Option(help: "Training data.") var train: String
    @Option(help: "Validation data. Default: hold out --validation-fraction of the training data.")
    var validation: String?
    @Option(help: "The model directory to write.") var model: String
    @Option(help: "A JSON file of settings (keys as the flags, snake_case).") var config: String?
    @Flag(help: "Continue the stopped run in --model from its last whole epoch.") var resume = false
    @Option(help: "Force the data format: ts, csv, tsv, conll, txt, npy.") var format: DataFormat?

    // MARK: Model
    @Option(help: "GRU hidden size (default 64).") var hiddenSize: Int?
    @Option(help: "Stacked GRU layers (default 1).") var layers: Int?
    @Flag(help: "Bidirectional GRU.") var bidirectional = false
    @Option(help: "reset-after (default) or reset-before.") var variant: GRUVariant?
    @Option(help: "Embedding size for token inputs (default min(hidden, 128)).") var embeddingSize: Int?
    @Option(help: "Sequence summary for classify and forecast: lastState (default) or mean.") var pooling: SequencePooling.Mode?
    @Option(help: "pytorch (default) or keras initialization.") var initialization: GRUInitialization?

    // MARK: Optimization
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
    @Flag(help: "Weigh classes by inverse frequency.") var balanceClasses = false
    @Option(help: "Forecast loss: mse (default) or mae.") var loss: TrainingOptions.RegressionLoss?
    @Option(help: "Seed of initialization, shuffling and dropout (default 0).") var seed: UInt64?

    // MARK: Regularization
    @Option(help: "Dropout on the GRU input.") var inputDropout: Float?
    @Option(help: "Dropout between stacked GRU layers (PyTorch's dropout).") var layerDropout: Float?
    @Option(help: "Variational dropout on the recurrent state (Keras's recurrent_dropout).") var recurrentDropout: Float?
    @Option(help: "Dropout before the output layer.") var outputDropout: Float?
    @Option(help: "Cut sequences to at most this many steps.") var maxLength: Int?
    @Flag(help: "Language models: carry the state across consecutive chunks (truncated BPTT).") var truncatedBptt = false

    // MARK: Data
    @Option(help: "Validation fraction when no --validation file is given (default 0.1).") var validationFraction: Double?
    @Option(help: "Forecast: input steps per window (default 24).") var window: Int?
    @Option(help: "Forecast: steps predicted per window (default 1).") var horizon: Int?
    @Option(help: "Language model: steps per training sequence (default 100).") var sequenceLength: Int?
    @Option(help: "Largest vocabulary, <pad> and <unk> included.") var maxVocabulary: Int?
    @Option(help: "Tokens rarer than this become <unk> (default 1).") var minFrequency: Int?

    var flags: TrainingRecipe {
        var recipe = TrainingRecipe()
        recipe.task = task
        recipe.format = format
        recipe.window = window
        recipe.horizon = horizon
        recipe.sequenceLength = sequenceLength
        recipe.maxVocabulary = maxVocabulary
        recipe.minFrequency = minFrequency
        recipe.validationFraction = validationFraction
        recipe.maxLength = maxLength
        recipe.hiddenSize = hiddenSize
        recipe.layers = layers
        recipe.bidirectional = bidirectional ? true : nil
        recipe.variant = variant
        recipe.embeddingSize = embeddingSize
        recipe.pooling = pooling
        recipe.initialization = initialization
        recipe.inputDropout = inputDropout
        recipe.layerDropout = layerDropout
        recipe.recurrentDropout = recurrentDropout
        recipe.outputDropout = outputDropout
        recipe.epochs = epochs
        recipe.batchSize = batchSize
        recipe.optimizer = optimizer
        recipe.learningRate = learningRate
        recipe.momentum = momentum
        recipe.nesterov = nesterov ? true : nil
        recipe.weightDecay = weightDecay
        recipe.clipNorm = clipNorm
        recipe.clipValue = clipValue
        recipe.schedule = schedule
        recipe.stepSize = stepSize
        recipe.decayFactor = decayFactor
        recipe.warmupSteps = warmupSteps
        recipe.schedulePatience = schedulePatience
        recipe.earlyStopping = earlyStopping
        recipe.labelSmoothing = labelSmoothing
        recipe.balanceClasses = balanceClasses ? true : nil
        recipe.loss = loss
        recipe.truncatedBptt = truncatedBptt ? true : nil
        recipe.seed = seed
        return recipe
    }

    func run() throws {
        try reportingErrors {
            try checkPathsNotEmpty([("--train", train), ("--validation", validation), ("--model", model), ("--config", config)])
            let base = try config.map { try TrainingRecipe.load(contentsOf: URL(fileURLWithPath: $0)) } ?? TrainingRecipe()
            let job = TrainingJob(
                recipe: base.overridden(by: flags), trainingFile: URL(fileURLWithPath: train),
                validationFile: validation.map { URL(fileURLWithPath: $0) },
                directory: ModelDirectory(URL(fileURLWithPath: model)), resume: resume)
            let prepared = try job.prepare()
            let progress = ProgressDisplay(epochs: prepared.manifest.training.epochs)
            progress.describe(prepared)
            try prepared.trainer.run { progress.show($0) }
            progress.finish(prepared.trainer.state, directory: model)
        }
    }
}
