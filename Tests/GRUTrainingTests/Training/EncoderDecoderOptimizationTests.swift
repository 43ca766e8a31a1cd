import Foundation
import GRUNetworks
import GRUTensor
import Testing

@testable import GRUTraining

/// The encoder-decoder trainer's optimizers and schedules, which `TrainingOptions` shares with
/// the other tasks (each optimizer and schedule is checked against torch.optim there): the
/// wiring here. SGD takes exactly lr x the batch's gradient; the step, cosine and plateau
/// schedules set the rates they should; a resumed run replays the plateau from the losses; and
/// options saved before these settings existed read as Adam without a schedule.
@Suite(.tags(.unit))
struct EncoderDecoderOptimizationTests {
    static let configuration = EncoderDecoderConfiguration(
        sourceVocabularySize: 7, targetVocabularySize: 8, embeddingSize: 4, hiddenSize: 5)

    /// Ten short pairs of random tokens.
    static let examples: [TranslationExample] = {
        var generator = SeededGenerator(seed: 3)
        return (0..<10).map { _ in
            let source = (0..<(2 + Int(generator.next() % 3))).map { _ in 2 + Int(generator.next() % 5) }
            let target = (0..<(1 + Int(generator.next() % 3))).map { _ in 4 + Int(generator.next() % 4) }
            return TranslationExample(source: source, targetInput: [2] + target, targetOutput: target + [3])
        }
    }()

    private func trainer(_ options: EncoderDecoderTrainingOptions) throws -> EncoderDecoderTrainer {
        try EncoderDecoderTrainer(
            model: EncoderDecoderModel(configuration: Self.configuration, seed: 1), examples: Self.examples,
            options: options)
    }

    @Test func sgdTakesTheLearningRateTimesTheBatchsGradient() throws {
        var options = EncoderDecoderTrainingOptions(epochs: 1, batchSize: 16, learningRate: 0.1, seed: 4)
        options.optimizer = .sgd
        let trainer = try trainer(options)
        let before = trainer.model
        // The epoch's one batch, in the trainer's shuffled order.
        var generator = SeededGenerator(seed: 4)
        var order = Array(Self.examples.indices)
        order.shuffle(using: &generator)
        let gradients = try #require(
            try before.teacherForced(TranslationBatch(examples: order.map { Self.examples[$0] })).gradients)
        try trainer.runEpoch()
        let expected = zip(before.parameters, gradients).map { $0 - 0.1 * $1 }
        #expect(trainer.model.parameters == expected)
        #expect(gradients.contains { $0 != 0 })
    }

    @Test func theStepAndCosineSchedulesSetTheirRates() throws {
        var options = EncoderDecoderTrainingOptions(epochs: 3, batchSize: 4, learningRate: 0.2, seed: 1)
        options.schedule = .step
        (options.stepSize, options.decayFactor) = (1, 0.5)
        let stepped = try trainer(options)
        var rates: [Float] = []
        for _ in 0..<3 {
            try stepped.runEpoch()
            rates.append(stepped.learningRate)
            stepped.endEpoch(monitoredLoss: 1)
        }
        #expect(rates == [0.2, 0.1, 0.05])

        options.schedule = .cosine
        options.warmupSteps = 2
        let cosine = try trainer(options)
        for _ in 0..<3 { try cosine.runEpoch() }
        let batches = 3  // ten examples in batches of four
        let schedule = CosineWarmupSchedule(baseLearningRate: 0.2, warmupSteps: 2, totalSteps: 3 * batches)
        #expect(cosine.learningRate == schedule.learningRate(at: 3 * batches - 1))
    }

    @Test func aResumedRunReplaysThePlateauFromTheLosses() throws {
        var options = EncoderDecoderTrainingOptions(epochs: 5, batchSize: 4, learningRate: 0.01, seed: 2)
        options.schedule = .plateau
        (options.schedulePatience, options.decayFactor) = (0, 0.5)
        let losses = [1.0, 1.5, 2.0]  // two epochs without improvement: two decays
        let whole = try trainer(options)
        for loss in losses {
            try whole.runEpoch()
            whole.endEpoch(monitoredLoss: loss)
        }
        let resumed = try EncoderDecoderTrainer(model: whole.model, examples: Self.examples, options: options)
        try resumed.resume(epochs: 3, optimizer: whole.optimizerState, monitoredLosses: losses)
        try whole.runEpoch()
        try resumed.runEpoch()
        #expect(whole.learningRate == 0.0025)
        #expect(resumed.learningRate == whole.learningRate)
        #expect(resumed.model.parameters == whole.model.parameters)
    }

    @Test func optionsSavedBeforeTheOptimizerSettingsReadAsAdam() throws {
        let json = #"{"epochs": 4, "batchSize": 8, "learningRate": 0.002, "clipNorm": 1.5, "seed": 9}"#
        let options = try JSONDecoder().decode(EncoderDecoderTrainingOptions.self, from: Data(json.utf8))
        var expected = EncoderDecoderTrainingOptions(
            epochs: 4, batchSize: 8, learningRate: 0.002, clipNorm: 1.5, seed: 9)
        expected.optimizer = .adam
        #expect(options == expected)
        #expect(options.schedule == .none)
        // And a round trip keeps the new settings.
        var changed = expected
        (changed.optimizer, changed.momentum, changed.schedule) = (.sgd, 0.9, .cosine)
        (changed.labelSmoothing, changed.earlyStopping) = (0.1, 3)
        #expect(
            try JSONDecoder().decode(EncoderDecoderTrainingOptions.self, from: JSONEncoder().encode(changed)) == changed
        )
    }

    @Test func anOptionOutOfRangeIsAnError() {
        var options = EncoderDecoderTrainingOptions()
        options.momentum = 1.5
        #expect(throws: GRUInputError.self) { try trainer(options) }
        options = EncoderDecoderTrainingOptions()
        options.earlyStopping = 0
        #expect(throws: GRUInputError.self) { try trainer(options) }
    }

    /// Early stopping keeps the parameters of the epoch of the lowest monitored loss and stops
    /// after `earlyStopping` epochs without a lower one; a resumed run replays the losses, and
    /// needs the best epoch's parameters.
    @Test func earlyStoppingKeepsTheBestAndStops() throws {
        var options = EncoderDecoderTrainingOptions(epochs: 6, batchSize: 4, learningRate: 0.01, seed: 4)
        options.earlyStopping = 2
        let whole = try trainer(options)
        var afterEpoch: [[Float]] = []
        for loss in [3.0, 2.0, 2.5, 2.2] {
            try whole.runEpoch()
            afterEpoch.append(whole.model.parameters)
            #expect(whole.stopReason == nil || loss == 2.2)
            whole.endEpoch(monitoredLoss: loss)
        }
        #expect(whole.bestEpoch == 2 && whole.bestParameters == afterEpoch[1])
        #expect(whole.stopReason?.contains("best at epoch 2") == true, "\(whole.stopReason ?? "")")

        let resumed = try trainer(options)
        #expect(throws: GRUInputError.self) {
            try resumed.resume(epochs: 3, optimizer: whole.optimizerState, monitoredLosses: [3, 2, 2.5])
        }
        try resumed.resume(
            epochs: 3, optimizer: whole.optimizerState, monitoredLosses: [3, 2, 2.5], bestParameters: afterEpoch[1])
        #expect(resumed.bestEpoch == 2 && resumed.bestParameters == afterEpoch[1] && resumed.stopReason == nil)
        resumed.endEpoch(monitoredLoss: 2.2)
        #expect(resumed.stopReason == whole.stopReason)
    }
}
