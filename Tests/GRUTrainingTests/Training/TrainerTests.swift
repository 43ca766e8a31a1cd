import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUTraining

/// The trainer end to end on tiny `.ts` files written for each test: determinism, resuming,
/// early stopping with best-weights restore, the model directory round trip, and a loss that
/// becomes NaN.
///
/// Resuming follows `TrainingJob` (GRUKit): a fresh model from the seed, a trainer with the
/// manifest's options (epochs raised to the new total when extending), then
/// `Trainer.resume(from: directory.loadCheckpoint(configuration:))`; checkpoints are saved by a
/// `CheckpointWriter` on the trainer's `.checkpoint` events.
@Suite(.tags(.endToEnd))
struct TrainerEndToEndTests {
    /// Two-dimensional series of 3 to 7 steps, labelled "up" when the first dimension's mean is
    /// positive, else "down" (`inverted` swaps them: a validation set the model gets worse at).
    static func tsFile(count: Int, seed: UInt64, inverted: Bool = false) -> String {
        var numbers = TestNumbers(seed: seed)
        var lines = [
            "@problemName Toy", "@timeStamps false", "@missing false", "@univariate false",
            "@dimensions 2", "@equalLength false", "@classLabel true down up", "@data",
        ]
        for _ in 0..<count {
            let length = numbers.integer(in: 3..<8)
            let shift = numbers.uniform(0.8)
            let first = (0..<length).map { _ in shift + numbers.uniform(0.5) }
            let second = (0..<length).map { _ in numbers.uniform() }
            let isUp = (first.reduce(0, +) > 0) != inverted
            let dimensions = [first, second].map { $0.map { String($0) }.joined(separator: ",") }
            lines.append(dimensions.joined(separator: ":") + ":" + (isUp ? "up" : "down"))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A training run's pieces: its data, model configuration and options.
    struct Run {
        let training: SequenceDataset
        let validation: SequenceDataset
        let configuration: ModelConfiguration
        var options: TrainingOptions

        init(in directory: DataDirectory, invertedValidation: Bool = false) throws {
            let trainingURL = try directory.write(TrainerEndToEndTests.tsFile(count: 14, seed: 1), to: "train.ts")
            let validationURL = try directory.write(
                TrainerEndToEndTests.tsFile(count: 6, seed: 2, inverted: invertedValidation), to: "validation.ts")
            training = try DataLoader.load(trainingURL)
            validation = try DataLoader.load(validationURL, schema: training.schema)
            configuration = ModelConfiguration(
                task: .classify, featureCount: 2, hiddenSize: 4, bidirectional: true, outputSize: 2,
                inputDropout: 0.1, recurrentDropout: 0.2, outputDropout: 0.1)
            options = TrainingOptions()
            options.epochs = 4
            options.batchSize = 4
            options.learningRate = 0.05
            options.bucketBatches = 2
            options.seed = 7
        }

        /// A trainer for a fresh model from the options' seed.
        func trainer(options: TrainingOptions? = nil) throws -> Trainer {
            let options = options ?? self.options
            let model = try SequenceModel(configuration: configuration, seed: options.seed)
            return try Trainer(model: model, options: options, training: training, validation: validation)
        }

        /// A trainer that continues the run checkpointed in `directory`, as `TrainingJob` builds
        /// it for `--resume`: a fresh model from the seed, then the checkpoint.
        func resumedTrainer(_ directory: ModelDirectory) throws -> Trainer {
            let trainer = try self.trainer()
            try trainer.resume(from: directory.loadCheckpoint(configuration: configuration))
            return trainer
        }

        /// A model directory `name` inside `data`, created with the manifest `gru train` writes
        /// first, so it loads as a model.
        func modelDirectory(_ name: String, in data: DataDirectory) throws -> ModelDirectory {
            let directory = ModelDirectory(data.url.appendingPathComponent(name))
            try directory.saveManifest(
                ModelDirectory.Manifest(
                    model: configuration, training: options, dataOptions: DataOptions(), data: training.schema))
            return directory
        }
    }

    /// Runs `trainer`, a `CheckpointWriter` saving each epoch into `directory` before `report`
    /// hears of it, as `TrainingJob.Prepared.run` does.
    static func train(
        _ trainer: Trainer, savingInto directory: ModelDirectory, _ report: (Trainer.Event) -> Void = { _ in }
    ) throws {
        let writer = try CheckpointWriter(directory: directory)
        try trainer.run { event in
            if case .checkpoint(let checkpoint) = event { try writer.save(checkpoint, manifest: nil, title: "test") }
            report(event)
        }
    }

    /// What a resumed run must reproduce: everything in the state but the timings.
    static func expectSameRun(
        _ actual: TrainingCheckpoint, _ expected: TrainingCheckpoint,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(actual.model.parameters == expected.model.parameters, "parameters", sourceLocation: sourceLocation)
        #expect(actual.bestParameters == expected.bestParameters, "best parameters", sourceLocation: sourceLocation)
        #expect(actual.optimizer == expected.optimizer, "optimizer state", sourceLocation: sourceLocation)
        var (a, e) = (actual.state, expected.state)
        for index in a.history.indices { (a.history[index].seconds, a.history[index].sequencesPerSecond) = (0, 0) }
        for index in e.history.indices { (e.history[index].seconds, e.history[index].sequencesPerSecond) = (0, 0) }
        #expect(a == e, "training state", sourceLocation: sourceLocation)
    }

    // MARK: - Determinism

    @Test func theSameSeedGivesBitIdenticalWeights() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let run = try Run(in: directory)
        var results: [(parameters: [Float], losses: [Double])] = []
        for _ in 0..<2 {
            let trainer = try run.trainer()
            try trainer.run()
            results.append((trainer.model.parameters, trainer.state.history.map(\.trainingLoss)))
        }
        #expect(results[0].parameters == results[1].parameters)
        #expect(results[0].losses == results[1].losses)

        var other = run.options
        other.seed = 8
        let reseeded = try run.trainer(options: other)
        try reseeded.run()
        #expect(reseeded.model.parameters != results[0].parameters)
    }

    // MARK: - Resume

    /// Two epochs, then a resumed run raised to four, as `gru train --resume --epochs 4`: the
    /// same weights, optimizer state and history as four epochs straight.
    @Test func resumingALongerRunMatchesAnUninterruptedOne() throws {
        let data = try DataDirectory()
        defer { data.remove() }
        var run = try Run(in: data)
        run.options.optimizer = .sgd
        run.options.momentum = 0.9
        run.options.schedule = .step
        run.options.stepSize = 1
        run.options.decayFactor = 0.5
        run.options.earlyStopping = 10
        let straight = try run.modelDirectory("straight", in: data)
        let resumed = try run.modelDirectory("resumed", in: data)

        try Self.train(run.trainer(), savingInto: straight)

        var twoEpochs = run.options
        twoEpochs.epochs = 2
        try Self.train(run.trainer(options: twoEpochs), savingInto: resumed)
        let continued = try run.resumedTrainer(resumed)
        #expect(continued.state.epochsCompleted == 2)
        try Self.train(continued, savingInto: resumed)

        Self.expectSameRun(
            try resumed.loadCheckpoint(configuration: run.configuration),
            try straight.loadCheckpoint(configuration: run.configuration))
        #expect(try resumed.loadModel().model.parameters == straight.loadModel().model.parameters)
    }

    /// A run stopped after its second epoch (its checkpoint copied away at that moment) and
    /// resumed with the same options ends where the uninterrupted run does, with Adam, dropout
    /// and the cosine schedule, which follows the global step.
    @Test func resumingAnInterruptedRunMatchesAnUninterruptedOne() throws {
        let data = try DataDirectory()
        defer { data.remove() }
        var run = try Run(in: data)
        run.options.schedule = .cosine
        run.options.warmupSteps = 3
        let straight = try run.modelDirectory("straight", in: data)
        let interrupted = try run.modelDirectory("interrupted", in: data)

        let trainer = try run.trainer()
        var copyError: (any Error)?
        try Self.train(trainer, savingInto: straight) { event in
            guard case .epoch(let record) = event, record.epoch == 2 else { return }
            do {
                try FileManager.default.copyItem(
                    at: straight.url.appendingPathComponent("checkpoint.safetensors"),
                    to: interrupted.url.appendingPathComponent("checkpoint.safetensors"))
            } catch {
                copyError = error
            }
        }
        #expect(copyError == nil)

        let continued = try run.resumedTrainer(interrupted)
        #expect(continued.state.epochsCompleted == 2)
        #expect(continued.state.stepsCompleted == 8)
        try Self.train(continued, savingInto: interrupted)
        #expect(continued.model.parameters == trainer.model.parameters)
        Self.expectSameRun(
            try interrupted.loadCheckpoint(configuration: run.configuration),
            try straight.loadCheckpoint(configuration: run.configuration))
    }

    // MARK: - Early stopping

    /// A validation set labelled against the training rule gets worse as the model learns:
    /// training stops early, and the weights kept are those of the best epoch, not the last.
    @Test func earlyStoppingRestoresTheBestEpochsWeights() throws {
        let data = try DataDirectory()
        defer { data.remove() }
        var run = try Run(in: data, invertedValidation: true)
        run.options.epochs = 30
        run.options.earlyStopping = 2
        run.options.learningRate = 0.1
        let directory = try run.modelDirectory("model", in: data)
        let trainer = try run.trainer()
        var parametersByEpoch: [Int: [Float]] = [:]
        var stopped: String?
        try Self.train(trainer, savingInto: directory) { event in
            switch event {
            case .epoch(let record): parametersByEpoch[record.epoch] = trainer.model.parameters
            case .stopped(let reason): stopped = reason
            case .batch, .checkpoint: break
            }
        }

        let state = trainer.state
        let best = try #require(state.bestEpoch)
        #expect(state.epochsCompleted < 30)
        #expect(state.epochsCompleted == best + 2)
        #expect(state.stopReason?.contains("early stopping") == true)
        #expect(stopped == state.stopReason)
        let bestParameters = try #require(parametersByEpoch[best])
        #expect(bestParameters != parametersByEpoch[state.epochsCompleted])
        #expect(trainer.model.parameters == bestParameters)

        #expect(try directory.loadModel().model.parameters == bestParameters)
        // The checkpoint keeps the last epoch's weights (to resume from) and the best ones.
        let checkpoint = try directory.loadCheckpoint(configuration: run.configuration)
        #expect(checkpoint.model.parameters == parametersByEpoch[state.epochsCompleted])
        #expect(checkpoint.bestParameters == bestParameters)
        #expect(checkpoint.state.stopReason == state.stopReason)

        // The best epoch is the one with the lowest validation loss.
        let losses = state.history.map { $0.validation?["loss"] ?? .infinity }
        #expect(losses.firstIndex(of: losses.min()!) == best - 1)
    }

    // MARK: - Model directory

    @Test func theModelDirectoryLoadsTheTrainedModel() throws {
        let data = try DataDirectory()
        defer { data.remove() }
        let run = try Run(in: data)
        let directory = try run.modelDirectory("model", in: data)
        let trainer = try run.trainer()
        try Self.train(trainer, savingInto: directory)

        let (loaded, manifest) = try directory.loadModel()
        #expect(manifest.model == run.configuration)
        #expect(manifest.training == run.options)
        #expect(manifest.data == run.training.schema)
        #expect(loaded.configuration == trainer.model.configuration)
        #expect(loaded.parameters == trainer.model.parameters)
        let batch = SequenceBatch(
            examples: run.validation.examples, exampleIndices: Array(run.validation.examples.indices))
        #expect(try loaded.forward(batch).output == trainer.model.forward(batch).output)

        let file = try SafetensorsFile.read(contentsOf: directory.url.appendingPathComponent("weights.safetensors"))
        #expect(file.names == trainer.model.namedTensors.map(\.name))
        #expect(file.names.contains("gru.weight_hh_l0_reverse"))

        let log = try String(contentsOf: directory.logURL, encoding: .utf8)
        #expect(log.split(separator: "\n").count == run.options.epochs)
    }

    /// A checkpoint whose state holds infinities (a best loss that overflowed) is written and
    /// read back as it was, not refused by the JSON encoder.
    @Test func aCheckpointKeepsInfiniteLosses() throws {
        let data = try DataDirectory()
        defer { data.remove() }
        let run = try Run(in: data)
        let directory = try run.modelDirectory("model", in: data)
        let trainer = try run.trainer()
        var state = trainer.state
        state.bestLoss = .infinity
        state.history = [
            EpochRecord(
                epoch: 1, trainingLoss: .infinity, validation: nil, learningRate: 0.1,
                seconds: 0, sequencesPerSecond: 0)
        ]
        try directory.saveCheckpoint(
            model: trainer.model, bestParameters: nil, optimizer: OptimizerState(stepCount: 0, buffers: [:]),
            state: state)
        try directory.saveReport(state.history, title: "overflow")
        let loaded = try directory.loadCheckpoint(configuration: run.configuration)
        #expect(loaded.state.bestLoss == .infinity)
        #expect(loaded.state.history.first?.trainingLoss == .infinity)
    }

    // MARK: - Failure

    /// A forecast model under mean squared error at a learning rate that makes every step
    /// multiply the error: the loss overflows within the first epoch, and training stops with a
    /// one-line message that says where and what to do, rather than a crash or a checkpoint of
    /// non-finite weights. (Cross-entropy at a huge learning rate does not get there: the GRU
    /// saturates and the loss stays finite, however large.)
    @Test func anOverflowingLossIsAClearError() throws {
        let data = try DataDirectory()
        defer { data.remove() }
        let rows = (0..<60).map { (step: Int) -> String in
            let time = Double(step)
            return String(sin(0.3 * time) + 0.1 * cos(1.7 * time))
        }
        let url = try data.write("value\n" + rows.joined(separator: "\n") + "\n", to: "series.csv")
        let training = try DataLoader.load(url, options: DataOptions(task: .forecast, window: 6, horizon: 1))
        var options = TrainingOptions()
        options.optimizer = .sgd
        options.learningRate = 1e4
        options.epochs = 3
        options.batchSize = 8
        let configuration = ModelConfiguration(task: .forecast, featureCount: 1, hiddenSize: 4, outputSize: 1)
        let directory = ModelDirectory(data.url.appendingPathComponent("model"))
        try directory.saveManifest(
            ModelDirectory.Manifest(
                model: configuration, training: options, dataOptions: DataOptions(task: .forecast),
                data: training.schema))
        let trainer = try Trainer(
            model: try SequenceModel(configuration: configuration, seed: 1), options: options, training: training,
            validation: nil)
        do {
            try Self.train(trainer, savingInto: directory)
            Issue.record("training at a learning rate of 1e4 finished without an error")
        } catch let error as TrainingDivergedError {
            #expect(error.epoch == 1)
            #expect(error.step >= 1)
            let message = error.description
            #expect(message.contains("the training loss became"), "message: \(message)")
            #expect(message.contains("at epoch 1, batch"), "message: \(message)")
            #expect(message.contains("lower the learning rate"), "message: \(message)")
            #expect(!message.contains("\n"))
        }
        #expect(trainer.state.epochsCompleted == 0)
        #expect(!directory.hasCheckpoint)
    }
}

/// model.json files written before settings were renamed still load.
@Test func aManifestWithFormerKeysLoads() throws {
    let data = try DataDirectory()
    defer { data.remove() }
    let directory = ModelDirectory(data.url.appendingPathComponent("model"))
    var options = TrainingOptions()
    options.earlyStopping = 2
    options.maxLength = 9
    options.loss = .mae
    options.truncatedBptt = true
    var dataOptions = DataOptions(task: .forecast)
    dataOptions.maxVocabulary = 7
    dataOptions.minFrequency = 2
    dataOptions.normalize = true
    let model = ModelConfiguration(
        task: .forecast, featureCount: 1, hiddenSize: 4, layers: 2, bidirectional: true, outputSize: 1,
        layerDropout: 0.25)
    let schema = DatasetSchema(task: .forecast, featureNames: ["v"], targetNames: ["v"], window: 3, horizon: 1)
    let manifest = ModelDirectory.Manifest(model: model, training: options, dataOptions: dataOptions, data: schema)
    try directory.saveManifest(manifest)
    let url = directory.url.appendingPathComponent("model.json")
    var text = try String(contentsOf: url, encoding: .utf8)
    for (current, former) in [
        ("layers", "layerCount"), ("bidirectional", "isBidirectional"), ("layerDropout", "betweenLayerDropout"),
        ("earlyStopping", "earlyStoppingPatience"), ("maxLength", "maximumLength"), ("loss", "regressionLoss"),
        ("truncatedBptt", "truncatedBPTT"), ("maxVocabulary", "maximumVocabularySize"),
        ("minFrequency", "minimumTokenFrequency"), ("normalize", "normalizesFeatures"),
    ] {
        #expect(text.contains("\"\(current)\" :"), "\(current)")
        text = text.replacingOccurrences(of: "\"\(current)\" :", with: "\"\(former)\" :")
    }
    try text.write(to: url, atomically: true, encoding: .utf8)
    #expect(try directory.loadManifest() == manifest)
}
