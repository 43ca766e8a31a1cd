import Foundation
import GRUNetworks
import GRUTensor

/// Trains a `SequenceModel` epoch by epoch: shuffled (optionally length-bucketed) batches,
/// backpropagation through time, gradient clipping, an optimizer step and the learning-rate
/// schedule per batch; validation, and early stopping with best-weights restore. After every
/// epoch it reports a `TrainingCheckpoint` (`Event.checkpoint`), which a `CheckpointWriter`
/// saves; the trainer itself touches no file.
///
/// Deterministic: shuffling uses (seed, epoch) and each batch's dropout masks a seed derived
/// from (seed, epoch, batch), so a run resumed from a checkpoint reaches the same weights as
/// an uninterrupted one.
public final class Trainer {
    /// What the trainer reports while it runs.
    public enum Event {
        /// A batch finished: its mean loss, and the epoch's progress.
        case batch(epoch: Int, batch: Int, batchCount: Int, loss: Float, sequencesPerSecond: Double)
        /// An epoch finished: the run's state to keep, reported before `.epoch`, so that a
        /// checkpoint writer has saved it when observers of `.epoch` look.
        case checkpoint(TrainingCheckpoint)
        /// An epoch finished.
        case epoch(EpochRecord)
        /// Training stopped before the last epoch.
        case stopped(String)
    }

    /// The model being trained; after `run`, the best epoch's weights under early stopping.
    public private(set) var model: SequenceModel
    /// The run's settings.
    public let options: TrainingOptions
    /// Where the run stands: epochs and steps done, the history, the schedule's state.
    public private(set) var state: TrainingState
    private let training: SequenceDataset
    private let validation: SequenceDataset?
    private let objective: TaskObjective
    private var optimizer: any Optimizer
    private var bestParameters: [Float]?
    /// A trainer for `model` on `training`, validating on `validation` (when given) after each
    /// epoch.
    public init(model: SequenceModel, options: TrainingOptions, training: SequenceDataset, validation: SequenceDataset?)
        throws
    {
        try options.validate()
        guard training.count > 0 else {
            throw GRUInputError(.file(training.source), found: "no training sequences", expected: "at least one")
        }
        self.model = model
        self.options = options
        self.training = options.maxLength.map { training.truncated(toMaximumLength: $0) } ?? training
        self.validation = validation.map { data in options.maxLength.map { data.truncated(toMaximumLength: $0) } ?? data
        }
        var classWeights: [Float]?
        if options.balanceClasses, model.configuration.task == .classify || model.configuration.task == .tag {
            classWeights = Self.balancedClassWeights(training, classCount: model.configuration.outputSize)
        }
        objective = TaskObjective(
            task: model.configuration.task,
            crossEntropy: CrossEntropyLoss(classWeights: classWeights, labelSmoothing: options.labelSmoothing),
            regressionLoss: options.loss)
        optimizer = options.makeOptimizer()
        state = TrainingState(learningRate: options.learningRate)
        if options.schedule == .plateau {
            state.plateau = ReduceOnPlateau(
                learningRate: options.learningRate, factor: options.decayFactor, patience: options.schedulePatience)
        }
    }

    /// Continues from a checkpoint written by an earlier run with the same options.
    public func resume(from checkpoint: TrainingCheckpoint) throws {
        model = checkpoint.model
        bestParameters = checkpoint.bestParameters
        try optimizer.restore(checkpoint.optimizer, parameterCount: model.parameters.count)
        state = checkpoint.state
    }

    /// Runs the remaining epochs, reporting each batch and epoch; an error `report` throws
    /// (a checkpoint that cannot be saved) stops the run.
    public func run(_ report: (Event) throws -> Void = { _ in }) throws {
        while state.epochsCompleted < options.epochs && state.stopReason == nil {
            try runEpoch(state.epochsCompleted + 1, report)
        }
        if let bestParameters, options.earlyStopping != nil {
            model.parameters = bestParameters  // best-weights restore
        }
        // The last checkpoint reported already holds these weights (`TrainingCheckpoint.weights`).
    }

    // MARK: - One epoch

    private func runEpoch(_ epoch: Int, _ report: (Event) throws -> Void) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let batches = batchIndices(epoch: epoch)
        let batcher = Batcher(dataset: training, batchSize: options.batchSize, shuffles: false)
        var gradients = [Float](repeating: 0, count: model.parameters.count)
        var lossSum = 0.0, lossWeight = 0, sequences = 0
        var carriedState: RecurrentState?
        for (index, indices) in batches.enumerated() {
            let batch = batcher.batch(of: indices)
            applySchedule(step: state.stepsCompleted)
            let dropoutSeed = Self.mix(options.seed, UInt64(epoch), UInt64(index))
            let initialState = options.truncatedBptt && carriedState?.batchSize == batch.batchSize ? carriedState : nil
            let pass = try model.forward(batch, dropoutSeed: dropoutSeed, initialState: initialState)
            let (loss, outputGradient) = try objective.loss(output: pass.output, batch: batch)
            guard loss.isFinite else {
                throw TrainingDivergedError(epoch: epoch, step: index + 1, quantity: .loss(loss))
            }
            for i in gradients.indices { gradients[i] = 0 }
            try model.backward(pass, outputGradient: outputGradient, into: &gradients)
            if let clipNorm = options.clipNorm { _ = clipGradientsByGlobalNorm(&gradients, maximumNorm: clipNorm) }
            if let clipValue = options.clipValue { clipGradientsByValue(&gradients, limit: clipValue) }
            optimizer.step(values: &model.parameters, gradients: gradients)
            // Caught here, the next batch's forward would blame its input instead.
            guard model.parameters.withUnsafeBufferPointer({ Reductions.allFinite($0) }) else {
                throw TrainingDivergedError(epoch: epoch, step: index + 1, quantity: .weights)
            }
            state.stepsCompleted += 1
            // Truncated BPTT: the next chunk starts from this one's final state, as a constant.
            carriedState = options.truncatedBptt ? pass.finalState : nil

            let weight = objective.weight(of: batch)
            lossSum += Double(loss) * Double(weight)
            lossWeight += weight
            sequences += batch.batchSize
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            try report(
                .batch(
                    epoch: epoch, batch: index + 1, batchCount: batches.count, loss: loss,
                    sequencesPerSecond: Double(sequences) / max(elapsed, 1e-9)))
        }
        let trainingSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let evaluation = try validation.map {
            try Self.evaluate(model, on: $0, batchSize: options.batchSize, objective: objective)
        }
        let record = EpochRecord(
            epoch: epoch, trainingLoss: lossSum / Double(max(lossWeight, 1)), validation: evaluation?.summary,
            learningRate: optimizer.learningRate,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9,
            sequencesPerSecond: Double(sequences) / max(trainingSeconds, 1e-9))
        finishEpoch(record, validationLoss: evaluation?.monitored)
        try report(.checkpoint(checkpoint))
        try report(.epoch(record))
        if let reason = state.stopReason { try report(.stopped(reason)) }
    }

    /// The run as it stands: what a checkpoint keeps.
    public var checkpoint: TrainingCheckpoint {
        TrainingCheckpoint(model: model, bestParameters: bestParameters, optimizer: optimizer.state, state: state)
    }

    private func finishEpoch(_ record: EpochRecord, validationLoss: Double?) {
        state.epochsCompleted = record.epoch
        state.history.append(record)
        let monitored = validationLoss ?? record.trainingLoss
        if state.bestLoss.map({ monitored < $0 }) ?? true {
            state.bestLoss = monitored
            state.bestEpoch = record.epoch
            state.epochsWithoutImprovement = 0
            if options.earlyStopping != nil { bestParameters = model.parameters }
        } else {
            state.epochsWithoutImprovement += 1
        }
        switch options.schedule {
        case .step:
            state.learningRate = StepDecaySchedule(
                baseLearningRate: options.learningRate, stepSize: options.stepSize,
                decayFactor: options.decayFactor
            ).learningRate(at: record.epoch)
        case .plateau:
            if let rate = state.plateau?.update(metric: Float(monitored)) { state.learningRate = rate }
        case .none, .cosine:
            break
        }
        if let patience = options.earlyStopping, state.epochsWithoutImprovement >= patience {
            state.stopReason =
                "early stopping: the validation loss has not improved for \(patience) epochs (best at epoch \(state.bestEpoch ?? 0))"
        }
    }

    private func applySchedule(step: Int) {
        switch options.schedule {
        case .cosine:
            let total = options.epochs * max(batchCount, 1)
            optimizer.learningRate = CosineWarmupSchedule(
                baseLearningRate: options.learningRate, warmupSteps: options.warmupSteps, totalSteps: total
            ).learningRate(at: step)
        case .none, .step, .plateau:
            optimizer.learningRate = state.learningRate
        }
    }

    // MARK: - Batches

    private var batchCount: Int { (training.count + options.batchSize - 1) / options.batchSize }

    /// The epoch's batches as example indices: shuffled and bucketed, or for truncated BPTT,
    /// B consecutive streams read chunk by chunk.
    private func batchIndices(epoch: Int) -> [[Int]] {
        if options.truncatedBptt {
            let streams = min(options.batchSize, training.count)
            let chunksPerStream = training.count / streams
            return (0..<chunksPerStream).map { chunk in (0..<streams).map { $0 * chunksPerStream + chunk } }
        }
        return Batcher(
            dataset: training, batchSize: options.batchSize, shuffles: true,
            bucketBatches: options.bucketBatches, seed: options.seed
        ).batchIndices(epoch: epoch)
    }

    // MARK: - Evaluation

    /// The model's metrics on a data set, without dropout.
    public static func evaluate(
        _ model: SequenceModel, on dataset: SequenceDataset, batchSize: Int, objective: TaskObjective
    ) throws -> Evaluation {
        let task = model.configuration.task
        var evaluation = Evaluation(task: task, classCount: task == .forecast ? 0 : model.configuration.outputSize)
        let batcher = Batcher(dataset: dataset, batchSize: batchSize, shuffles: false)
        let targetNormalization = dataset.schema.targetNormalization
        for batch in batcher.batches(epoch: 0) {
            let pass = try model.forward(batch)
            // Metrics of NaN outputs would read as a model that is merely bad.
            guard pass.output.isFinite else {
                throw GRUInputError(
                    .file(dataset.source), found: "the model's outputs on this data are NaN or infinite",
                    expected: "finite outputs (the model's weights may have overflowed)")
            }
            let (loss, _) = try objective.loss(output: pass.output, batch: batch)
            evaluation.add(
                loss: loss, weight: objective.weight(of: batch), output: pass.output, batch: batch,
                denormalize: targetNormalization.map { normalization in { normalization.denormalized($0) } })
        }
        return evaluation
    }

    /// sklearn's "balanced" weights: N / (C * count), 0 for classes absent from training.
    static func balancedClassWeights(_ dataset: SequenceDataset, classCount: Int) -> [Float] {
        var counts = [Int](repeating: 0, count: classCount)
        for example in dataset.examples {
            switch example.target {
            case .classIndex(let index): counts[index] += 1
            case .stepClasses(let indices): for index in indices { counts[index] += 1 }
            case .values, .none: break
            }
        }
        let total = counts.reduce(0, +)
        return counts.map { $0 == 0 ? 0 : Float(total) / Float(classCount * $0) }
    }

    /// A well-mixed 64-bit seed from several numbers (SplitMix64's finalizer).
    static func mix(_ values: UInt64...) -> UInt64 {
        values.reduce(0x9E37_79B9_7F4A_7C15) { seed, value in
            var z = seed &+ value &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
