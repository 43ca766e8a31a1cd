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
/// from (seed, epoch, batch) and each row's place in the batch, so a run resumed from a
/// checkpoint reaches the same weights as an uninterrupted one, and processes of a
/// `ProcessGroup` that split every batch reach those of one process with the whole batch
/// (up to the order in which the gradients' sums are added).
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
    /// The processes training together; `SingleProcess` unless data parallel.
    private let group: any ProcessGroup
    private var optimizer: any Optimizer
    private var bestParameters: [Float]?
    /// A trainer for `model` on `training`, validating on `validation` (when given) after each
    /// epoch.
    ///
    /// - Parameter group: the processes training together, each on its rows of every global
    ///   batch (`ProcessGroup.shard`) of `options.batchSize`; every process builds its trainer
    ///   alike, with the whole data set, and reaches the same weights.
    public init(
        model: SequenceModel, options: TrainingOptions, training: SequenceDataset, validation: SequenceDataset?,
        group: any ProcessGroup = SingleProcess()
    ) throws {
        try options.validate()
        guard training.count > 0 else {
            throw GRUInputError(.file(training.source), found: "no training sequences", expected: "at least one")
        }
        let rowsPerBatch = options.truncatedBptt ? min(options.batchSize, training.count) : options.batchSize
        guard group.size <= min(rowsPerBatch, training.count) else {
            throw GRUInputError(
                .setting("the number of processes"),
                found: "\(group.size) processes for \(training.count) training sequences in batches of \(rowsPerBatch)",
                expected: "at most one process per sequence of a batch (\(min(rowsPerBatch, training.count)))")
        }
        self.group = group
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
        var reductionNanoseconds: UInt64 = 0, waitingNanoseconds: UInt64 = 0
        var carriedState: RecurrentState?
        for (index, globalIndices) in batches.enumerated() {
            // This process's rows of the global batch; with one process, all of them.
            let rows = group.shard(ofCount: globalIndices.count)
            let batch = rows.isEmpty ? nil : batcher.batch(of: Array(globalIndices[rows]))
            applySchedule(step: state.stepsCompleted)
            let dropoutSeed = Self.mix(options.seed, UInt64(epoch), UInt64(index))
            for i in gradients.indices { gradients[i] = 0 }
            var loss: Float = 0, weight = 0
            var pass: SequenceModelForward?
            if let batch {
                let initialState =
                    options.truncatedBptt && carriedState?.batchSize == batch.batchSize ? carriedState : nil
                let localPass = try model.forward(
                    batch, dropoutSeed: dropoutSeed, firstRow: rows.lowerBound, initialState: initialState)
                let (localLoss, outputGradient) = try objective.loss(output: localPass.output, batch: batch)
                if localLoss.isFinite {
                    try model.backward(localPass, outputGradient: outputGradient, into: &gradients)
                }
                (loss, weight, pass) = (localLoss, objective.weight(of: batch), localPass)
            }
            if group.size > 1 {
                // A barrier first tells the wait for the slowest process from the sum itself.
                let waitStart = DispatchTime.now().uptimeNanoseconds
                try group.barrier()
                let reductionStart = DispatchTime.now().uptimeNanoseconds
                (loss, weight) = try sumOverGroup(&gradients, loss: loss, weight: weight, batch: batch)
                reductionNanoseconds += DispatchTime.now().uptimeNanoseconds - reductionStart
                waitingNanoseconds += reductionStart - waitStart
            }
            guard loss.isFinite else {
                throw TrainingDivergedError(epoch: epoch, step: index + 1, quantity: .loss(loss))
            }
            if let clipNorm = options.clipNorm { _ = clipGradientsByGlobalNorm(&gradients, maximumNorm: clipNorm) }
            if let clipValue = options.clipValue { clipGradientsByValue(&gradients, limit: clipValue) }
            optimizer.step(values: &model.parameters, gradients: gradients)
            // Caught here, the next batch's forward would blame its input instead.
            guard model.parameters.withUnsafeBufferPointer({ Reductions.allFinite($0) }) else {
                throw TrainingDivergedError(epoch: epoch, step: index + 1, quantity: .weights)
            }
            state.stepsCompleted += 1
            // Truncated BPTT: the next chunk starts from this one's final state, as a constant.
            carriedState = options.truncatedBptt ? pass?.finalState : nil

            lossSum += Double(loss) * Double(weight)
            lossWeight += weight
            sequences += globalIndices.count
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            try report(
                .batch(
                    epoch: epoch, batch: index + 1, batchCount: batches.count, loss: loss,
                    sequencesPerSecond: Double(sequences) / max(elapsed, 1e-9)))
        }
        let trainingSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let evaluation = try validation.map {
            try Self.evaluate(model, on: $0, batchSize: options.batchSize, objective: objective, group: group)
        }
        let record = EpochRecord(
            epoch: epoch, trainingLoss: lossSum / Double(max(lossWeight, 1)), validation: evaluation?.summary,
            learningRate: optimizer.learningRate,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9,
            sequencesPerSecond: Double(sequences) / max(trainingSeconds, 1e-9),
            reductionSeconds: group.size > 1 ? Double(reductionNanoseconds) / 1e9 : nil,
            waitingSeconds: group.size > 1 ? Double(waitingNanoseconds) / 1e9 : nil)
        finishEpoch(record, validationLoss: evaluation?.monitored)
        try report(.checkpoint(checkpoint))
        try report(.epoch(record))
        if let reason = state.stopReason { try report(.stopped(reason)) }
    }

    /// Turns this process's gradients of its rows (a mean over its normalizer) into the whole
    /// batch's on every process: scaled by the local normalizer, summed over the group (one
    /// reduction, the loss and counts riding at the end), divided by the global normalizer.
    ///
    /// - Returns: the global batch's mean loss and weight.
    private func sumOverGroup(
        _ gradients: inout [Float], loss: Float, weight: Int, batch: SequenceBatch?
    ) throws -> (loss: Float, weight: Int) {
        let normalizer = batch.map { objective.normalizer(of: $0) } ?? 0
        let parameterCount = gradients.count
        for i in 0..<parameterCount { gradients[i] *= Float(normalizer) }
        // A rank whose loss is not finite makes the global one NaN, so that all stop at once.
        gradients.append(contentsOf: [Float(Double(loss) * normalizer), Float(normalizer), Float(weight)])
        defer { gradients.removeLast(3) }
        try gradients.withUnsafeMutableBufferPointer { try group.sum($0) }
        let globalNormalizer = gradients[parameterCount + 1]
        let scale = globalNormalizer > 0 ? 1 / globalNormalizer : 0
        for i in 0..<parameterCount { gradients[i] *= scale }
        return (gradients[parameterCount] * scale, Int(gradients[parameterCount + 2]))
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

    /// The model's metrics on a data set, without dropout; in a group, each process evaluates
    /// its rows of every batch and every process gets the metrics of the whole set.
    public static func evaluate(
        _ model: SequenceModel, on dataset: SequenceDataset, batchSize: Int, objective: TaskObjective,
        group: any ProcessGroup = SingleProcess()
    ) throws -> Evaluation {
        let task = model.configuration.task
        var evaluation = Evaluation(task: task, classCount: task == .forecast ? 0 : model.configuration.outputSize)
        let batcher = Batcher(dataset: dataset, batchSize: batchSize, shuffles: false)
        let targetNormalization = dataset.schema.targetNormalization
        for indices in batcher.batchIndices(epoch: 0) {
            let rows = group.shard(ofCount: indices.count)
            guard !rows.isEmpty else { continue }
            let batch = batcher.batch(of: Array(indices[rows]))
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
        if group.size > 1 { try evaluation.sum(over: group) }
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
