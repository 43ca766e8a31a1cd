import Foundation
import GRUNetworks
import GRUTensor

/// How an `EncoderDecoderTrainer` trains: epochs, batch size, the optimizer and its learning
/// rate, clipping, the learning-rate schedule, label smoothing, and the seed of the
/// initialization, the shuffles and the dropout masks. The optimizer, clipping, schedule and
/// smoothing settings mean what `TrainingOptions`' do; the dropout rates are the model's
/// (`EncoderDecoderConfiguration`).
public struct EncoderDecoderTrainingOptions: Codable, Equatable, Sendable {
    /// The epochs of the whole run.
    public var epochs: Int
    /// Pairs a step.
    public var batchSize: Int
    /// The optimizer's (base) learning rate.
    public var learningRate: Float
    /// The largest global gradient norm; nil leaves the gradients as they are.
    public var clipNorm: Float?
    /// Seeds the initialization, the shuffles, the dropout masks and the validation split.
    public var seed: UInt64
    /// Which optimizer updates the parameters (Adam by default).
    public var optimizer = TrainingOptions.OptimizerKind.adam
    /// SGD's and RMSprop's momentum.
    public var momentum: Float = 0
    /// Nesterov momentum (SGD).
    public var nesterov = false
    /// L2 weight decay (decoupled for AdamW).
    public var weightDecay: Float = 0
    /// Each gradient element clipped to [-clipValue, clipValue]; nil leaves them.
    public var clipValue: Float?
    /// How the learning rate changes over the run.
    public var schedule = TrainingOptions.ScheduleKind.none
    /// Epochs between step decays.
    public var stepSize = 10
    /// The step and plateau schedules' factor.
    public var decayFactor: Float = 0.1
    /// The cosine schedule's linear warm-up, in batches.
    public var warmupSteps = 0
    /// Epochs without a better validation loss before the plateau schedule decays.
    public var schedulePatience = 2
    /// The training cross-entropy's label smoothing (validation losses are unsmoothed).
    public var labelSmoothing: Float = 0
    /// Stop when the monitored loss (the validation loss, or the training loss without
    /// validation data) has not improved for this many epochs, keeping the best epoch's
    /// weights; nil trains all epochs.
    public var earlyStopping: Int?
    /// Scheduled sampling's probability of feeding the model's own prediction in place of the
    /// true previous token (`EncoderDecoderModel.scheduledSampling`), once ramped up; 0 is
    /// teacher forcing.
    public var scheduledSampling: Float = 0
    /// The epochs over which scheduled sampling's probability rises linearly from 0 to
    /// `scheduledSampling` (batch i of the ramp's N uses (i + 1) / N of it); 0 starts at it.
    /// Counted in epochs, not in the run's length, so that a resumed run with more epochs
    /// samples as the whole run does.
    public var scheduledSamplingRamp = 0

    /// Options of the given values, the others at their defaults.
    public init(
        epochs: Int = 10, batchSize: Int = 32, learningRate: Float = 1e-3, clipNorm: Float? = nil, seed: UInt64 = 0
    ) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.clipNorm = clipNorm
        self.seed = seed
    }

    /// Reads options saved before the optimizer, schedule, smoothing, early-stopping and
    /// sampling settings existed as Adam's, with none of the others.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = EncoderDecoderTrainingOptions()
        epochs = try container.decode(Int.self, forKey: .epochs)
        batchSize = try container.decode(Int.self, forKey: .batchSize)
        learningRate = try container.decode(Float.self, forKey: .learningRate)
        clipNorm = try container.decodeIfPresent(Float.self, forKey: .clipNorm)
        seed = try container.decode(UInt64.self, forKey: .seed)
        optimizer = try container.decodeIfPresent(TrainingOptions.OptimizerKind.self, forKey: .optimizer) ?? .adam
        momentum = try container.decodeIfPresent(Float.self, forKey: .momentum) ?? defaults.momentum
        nesterov = try container.decodeIfPresent(Bool.self, forKey: .nesterov) ?? defaults.nesterov
        weightDecay = try container.decodeIfPresent(Float.self, forKey: .weightDecay) ?? defaults.weightDecay
        clipValue = try container.decodeIfPresent(Float.self, forKey: .clipValue)
        schedule = try container.decodeIfPresent(TrainingOptions.ScheduleKind.self, forKey: .schedule) ?? .none
        stepSize = try container.decodeIfPresent(Int.self, forKey: .stepSize) ?? defaults.stepSize
        decayFactor = try container.decodeIfPresent(Float.self, forKey: .decayFactor) ?? defaults.decayFactor
        warmupSteps = try container.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? defaults.warmupSteps
        schedulePatience =
            try container.decodeIfPresent(Int.self, forKey: .schedulePatience) ?? defaults.schedulePatience
        labelSmoothing = try container.decodeIfPresent(Float.self, forKey: .labelSmoothing) ?? 0
        earlyStopping = try container.decodeIfPresent(Int.self, forKey: .earlyStopping)
        scheduledSampling = try container.decodeIfPresent(Float.self, forKey: .scheduledSampling) ?? 0
        scheduledSamplingRamp = try container.decodeIfPresent(Int.self, forKey: .scheduledSamplingRamp) ?? 0
    }

    /// The encoder-decoder's share of a run's `TrainingOptions`: epochs, batch, seed, label
    /// smoothing, early stopping and the optimizer, clipping and schedule settings.
    public init(_ options: TrainingOptions) {
        self.init(
            epochs: options.epochs, batchSize: options.batchSize, learningRate: options.learningRate,
            clipNorm: options.clipNorm, seed: options.seed)
        (optimizer, momentum, nesterov) = (options.optimizer, options.momentum, options.nesterov)
        (weightDecay, clipValue) = (options.weightDecay, options.clipValue)
        (schedule, stepSize, decayFactor) = (options.schedule, options.stepSize, options.decayFactor)
        (warmupSteps, schedulePatience) = (options.warmupSteps, options.schedulePatience)
        labelSmoothing = options.labelSmoothing
        earlyStopping = options.earlyStopping
    }

    /// The same settings as `TrainingOptions`, whose checks and optimizer they share.
    public var trainingOptions: TrainingOptions {
        var options = TrainingOptions()
        (options.epochs, options.batchSize, options.learningRate) = (epochs, batchSize, learningRate)
        (options.clipNorm, options.clipValue, options.seed) = (clipNorm, clipValue, seed)
        (options.optimizer, options.momentum, options.nesterov) = (optimizer, momentum, nesterov)
        options.weightDecay = weightDecay
        (options.schedule, options.stepSize, options.decayFactor) = (schedule, stepSize, decayFactor)
        (options.warmupSteps, options.schedulePatience) = (warmupSteps, schedulePatience)
        options.labelSmoothing = labelSmoothing
        options.earlyStopping = earlyStopping
        return options
    }
}

/// Trains an `EncoderDecoderModel` with teacher forcing: each epoch shuffles the examples
/// (seeded by the epoch, so a resumed run shuffles as the whole run would), cuts them into
/// batches, draws each batch's dropout and sampling seed from the same generator after the
/// shuffle, with scheduled sampling replaces some decoder inputs by the model's predictions,
/// and takes one optimizer step per batch on the masked mean cross-entropy, the
/// gradients clipped when asked, at the learning rate the schedule gives (cosine per batch,
/// step and plateau per epoch, `endEpoch`), and, with early stopping, the best epoch's
/// parameters kept and a stop once the monitored loss has not improved for the patience.
public final class EncoderDecoderTrainer {
    /// The model as trained so far.
    public private(set) var model: EncoderDecoderModel
    private var optimizer: any Optimizer
    private let examples: [TranslationExample]
    private let options: EncoderDecoderTrainingOptions
    private var plateau: ReduceOnPlateau?
    /// The learning rate of the step schedule's and plateau's current epoch.
    private var epochLearningRate: Float
    /// Epochs completed.
    public private(set) var epochs = 0
    /// The learning rate of the last step taken.
    public var learningRate: Float { optimizer.learningRate }
    /// With early stopping, the parameters of the epoch of the lowest monitored loss so far;
    /// nil without.
    public private(set) var bestParameters: [Float]?
    /// The epoch of the lowest monitored loss so far (0 before the first).
    public private(set) var bestEpoch = 0
    private var bestLoss: Double?
    private var epochsWithoutImprovement = 0
    /// Why the run stopped before its last epoch: early stopping's patience ran out; nil
    /// while it goes on.
    public private(set) var stopReason: String?

    /// A trainer of `model` on `examples` with `options` (its epochs bound the cosine
    /// schedule).
    ///
    /// - Throws: `GRUInputError` naming an option out of range.
    public init(model: EncoderDecoderModel, examples: [TranslationExample], options: EncoderDecoderTrainingOptions)
        throws
    {
        precondition(!examples.isEmpty, "examples to train on")
        let settings = options.trainingOptions
        try settings.validate()
        guard (0...1).contains(options.scheduledSampling) else {
            throw GRUInputError(
                .setting("--scheduled-sampling"), found: "\(options.scheduledSampling)",
                expected: "a probability in [0, 1]")
        }
        guard options.scheduledSamplingRamp >= 0 else {
            throw GRUInputError(
                .setting("--scheduled-sampling-ramp"), found: "\(options.scheduledSamplingRamp)",
                expected: "0 or more epochs")
        }
        self.model = model
        self.examples = examples
        self.options = options
        optimizer = settings.makeOptimizer()
        epochLearningRate = options.learningRate
        if options.schedule == .plateau {
            plateau = ReduceOnPlateau(
                learningRate: options.learningRate, factor: options.decayFactor, patience: options.schedulePatience)
        }
    }

    /// A trainer with Adam at `learningRate` and no schedule.
    public convenience init(
        model: EncoderDecoderModel, examples: [TranslationExample], batchSize: Int, learningRate: Float,
        clipNorm: Float? = nil, seed: UInt64
    ) {
        // These options are always in range.
        try! self.init(
            model: model, examples: examples,
            options: EncoderDecoderTrainingOptions(
                epochs: 1, batchSize: batchSize, learningRate: learningRate, clipNorm: clipNorm, seed: seed))
    }

    /// The optimizer's step count and moments, for a checkpoint.
    public var optimizerState: OptimizerState { optimizer.state }

    /// Continues a run from its checkpoint: `epochs` done, the optimizer's saved state, each
    /// finished epoch's monitored loss (its validation loss, or its training loss), which the
    /// schedules and early stopping are replayed on, and, with early stopping, the best
    /// epoch's parameters.
    ///
    /// - Throws: `GRUInputError` for an optimizer state or best parameters that do not fit.
    public func resume(
        epochs completed: Int, optimizer state: OptimizerState, monitoredLosses: [Double] = [],
        bestParameters best: [Float]? = nil
    ) throws {
        try optimizer.restore(state, parameterCount: model.parameters.count)
        if options.earlyStopping != nil, completed > 0 {
            guard let best, best.count == model.parameters.count else {
                throw GRUInputError(
                    .tensor("the checkpoint's best weights"), found: "\(best?.count ?? 0) values",
                    expected: "the \(model.parameters.count) parameters of the best epoch, for early stopping")
            }
        }
        for (epoch, loss) in monitoredLosses.prefix(completed).enumerated() {
            epochs = epoch + 1
            endEpoch(monitoredLoss: loss)
        }
        epochs = completed
        bestParameters = options.earlyStopping != nil && completed > 0 ? best : nil
    }

    private var batchesPerEpoch: Int { (examples.count + options.batchSize - 1) / options.batchSize }

    /// One epoch; returns its mean loss over the batches.
    @discardableResult
    public func runEpoch() throws -> Double {
        var generator = SeededGenerator(seed: options.seed &+ UInt64(epochs))
        var order = Array(examples.indices)
        order.shuffle(using: &generator)
        var total = 0.0, batches = 0
        let cosine = CosineWarmupSchedule(
            baseLearningRate: options.learningRate, warmupSteps: options.warmupSteps,
            totalSteps: options.epochs * batchesPerEpoch)
        let rampBatches = options.scheduledSamplingRamp * batchesPerEpoch
        for start in stride(from: 0, to: order.count, by: options.batchSize) {
            let indices = order[start..<min(start + options.batchSize, order.count)]
            var batch = TranslationBatch(examples: indices.map { examples[$0] })
            let seed = generator.next()
            if options.scheduledSampling > 0 {
                let ramp = rampBatches == 0 ? 1 : Float(epochs * batchesPerEpoch + batches + 1) / Float(rampBatches)
                batch = try model.scheduledSampling(
                    batch, probability: options.scheduledSampling * min(ramp, 1), seed: seed ^ 0x5EED_5A3F)
            }
            let result = try model.teacherForced(batch, dropoutSeed: seed, labelSmoothing: options.labelSmoothing)
            var gradients = result.gradients!
            if let clipNorm = options.clipNorm { _ = clipGradientsByGlobalNorm(&gradients, maximumNorm: clipNorm) }
            if let clipValue = options.clipValue { clipGradientsByValue(&gradients, limit: clipValue) }
            optimizer.learningRate =
                options.schedule == .cosine
                ? cosine.learningRate(at: epochs * batchesPerEpoch + batches) : epochLearningRate
            optimizer.step(values: &model.parameters, gradients: gradients)
            total += Double(result.loss)
            batches += 1
        }
        epochs += 1
        return total / Double(batches)
    }

    /// After an epoch and its validation: the step and plateau schedules take the next
    /// epoch's learning rate (the plateau watching `monitoredLoss`), and early stopping keeps
    /// the best parameters and decides whether to stop.
    public func endEpoch(monitoredLoss: Double) {
        if bestLoss.map({ monitoredLoss < $0 }) ?? true {
            (bestLoss, bestEpoch, epochsWithoutImprovement) = (monitoredLoss, epochs, 0)
            if options.earlyStopping != nil { bestParameters = model.parameters }
        } else {
            epochsWithoutImprovement += 1
        }
        if let patience = options.earlyStopping, epochsWithoutImprovement >= patience {
            stopReason =
                "early stopping: the validation loss has not improved for \(patience) epochs (best at epoch \(bestEpoch))"
        }
        switch options.schedule {
        case .step:
            epochLearningRate = StepDecaySchedule(
                baseLearningRate: options.learningRate, stepSize: options.stepSize, decayFactor: options.decayFactor
            ).learningRate(at: epochs)
        case .plateau:
            if let rate = plateau?.update(metric: Float(monitoredLoss)) { epochLearningRate = rate }
        case .none, .cosine:
            break
        }
    }
}

/// How well an encoder-decoder transduces a set of pairs: the teacher-forced token accuracy,
/// and, on decoded outputs, the share of outputs equal to their target and the edit-distance
/// error rate (edits over target tokens, as a phoneme or word error rate).
public struct TransductionEvaluation: Equatable, Sendable {
    /// The share of target tokens (the end token included) predicted right when fed the true
    /// previous tokens.
    public let tokenAccuracy: Double
    /// The share of decoded outputs that equal their target exactly.
    public let sequenceAccuracy: Double
    /// Levenshtein distance of the decoded outputs from their targets over the targets' tokens
    /// (end tokens excluded).
    public let errorRate: Double

    /// The evaluation of `model` on `examples`, decoded with `options`, `batchSize` at a time.
    public init(
        model: EncoderDecoderModel, examples: [TranslationExample], options: DecodingOptions, batchSize: Int = 64
    ) throws {
        var correctTokens = 0, tokens = 0, exact = 0, edits = 0, targetTokens = 0
        let vocabulary = model.configuration.targetVocabularySize
        for start in stride(from: 0, to: examples.count, by: batchSize) {
            let part = Array(examples[start..<min(start + batchSize, examples.count)])
            let batch = TranslationBatch(examples: part)
            let logits = try model.teacherForced(batch, computesGradients: false).logits.scalars
            for (b, example) in part.enumerated() {
                for t in example.targetOutput.indices {
                    let row = (t * part.count + b) * vocabulary
                    let predicted = (0..<vocabulary).max { logits[row + $0] < logits[row + $1] }!
                    correctTokens += predicted == example.targetOutput[t] ? 1 : 0
                    tokens += 1
                }
            }
            let decoded = try model.decode(batch, options: options)
            for (example, output) in zip(part, decoded) {
                let target = Array(example.targetOutput.dropLast())
                let predicted = output.tokens.last == options.endToken ? Array(output.tokens.dropLast()) : output.tokens
                exact += predicted == target ? 1 : 0
                edits += editDistance(predicted, target)
                targetTokens += target.count
            }
        }
        tokenAccuracy = Double(correctTokens) / Double(tokens)
        sequenceAccuracy = Double(exact) / Double(examples.count)
        errorRate = Double(edits) / Double(max(targetTokens, 1))
    }
}

/// The Levenshtein distance of two token sequences: the fewest insertions, deletions and
/// substitutions that turn one into the other.
public func editDistance(_ a: [Int], _ b: [Int]) -> Int {
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)  // distances from a[..<i-1] to each prefix of b
    for i in 1...a.count {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
