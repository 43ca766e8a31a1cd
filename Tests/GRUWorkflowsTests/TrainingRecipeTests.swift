import Foundation
import GRUNetworks
import GRUTestSupport
import GRUTraining
import GRUWorkflows
import Testing

/// Each training setting has one name: a `--config` key, a `gru train` flag (checked by
/// gruTests' `FlagErrorEndToEndTests`), and the field of the library's options it sets.
@Suite(.tags(.unit))
struct TrainingRecipeTests {
    /// A value other than the default for every key, and where it must arrive.
    static var changes: [String: (json: String, arrives: (TrainingRecipe) -> Bool)] {
        func model(_ check: @escaping (ModelConfiguration) -> Bool) -> (TrainingRecipe) -> Bool {
            { check($0.modelConfiguration(for: tokenSchema)) }
        }
        func training(_ check: @escaping (TrainingOptions) -> Bool) -> (TrainingRecipe) -> Bool {
            { check($0.trainingOptions) }
        }
        func data(_ check: @escaping (DataOptions) -> Bool) -> (TrainingRecipe) -> Bool { { check($0.dataOptions) } }
        return [
            "hidden_size": ("7", model { $0.hiddenSize == 7 }),
            "layers": ("3", model { $0.layers == 3 }),
            "bidirectional": ("true", model { $0.bidirectional }),
            "variant": (#""reset-before""#, model { $0.variant == .resetBefore }),
            "cell": (#""lstm""#, model { $0.cell == .lstm }),
            "nonlinearity": (#""relu""#, model { $0.nonlinearity == .relu }),
            "activation": (#""relu""#, model { $0.activation == .relu }),
            "recurrent_activation": (#""hard_sigmoid""#, model { $0.recurrentActivation == .hardSigmoid }),
            "trainable_initial_state": ("true", model { $0.trainableInitialState }),
            "zoneout": ("0.25", model { $0.zoneout == 0.25 }),
            "weight_drop": ("0.5", model { $0.weightDrop == 0.5 }),
            "embedding_size": ("5", model { $0.embeddingSize == 5 }),
            "pooling": (#""mean""#, model { $0.pooling == .mean }),
            "initialization": (#""keras""#, model { $0.initialization == .keras }),
            "input_dropout": ("0.25", model { $0.inputDropout == 0.25 }),
            "layer_dropout": ("0.25", model { $0.layerDropout == 0.25 }),
            "recurrent_dropout": ("0.25", model { $0.recurrentDropout == 0.25 }),
            "output_dropout": ("0.25", model { $0.outputDropout == 0.25 }),
            "epochs": ("3", training { $0.epochs == 3 }),
            "batch_size": ("5", training { $0.batchSize == 5 }),
            "optimizer": (#""sgd""#, training { $0.optimizer == .sgd }),
            "learning_rate": ("0.5", training { $0.learningRate == 0.5 }),
            "momentum": ("0.5", training { $0.momentum == 0.5 }),
            "nesterov": ("true", training { $0.nesterov }),
            "weight_decay": ("0.5", training { $0.weightDecay == 0.5 }),
            "clip_norm": ("0.5", training { $0.clipNorm == 0.5 }),
            "clip_value": ("0.5", training { $0.clipValue == 0.5 }),
            "schedule": (#""cosine""#, training { $0.schedule == .cosine }),
            "step_size": ("3", training { $0.stepSize == 3 }),
            "decay_factor": ("0.5", training { $0.decayFactor == 0.5 }),
            "warmup_steps": ("3", training { $0.warmupSteps == 3 }),
            "schedule_patience": ("3", training { $0.schedulePatience == 3 }),
            "early_stopping": ("3", training { $0.earlyStopping == 3 }),
            "label_smoothing": ("0.5", training { $0.labelSmoothing == 0.5 }),
            "balance_classes": ("true", training { $0.balanceClasses }),
            "loss": (#""mae""#, training { $0.loss == .mae }),
            "truncated_bptt": ("true", training { $0.truncatedBptt }),
            "seed": ("3", training { $0.seed == 3 }),
            "task": (#""tag""#, data { $0.task == .tag }),
            "format": (#""csv""#, data { $0.format == .csv }),
            "window": ("3", data { $0.window == 3 }),
            "horizon": ("3", data { $0.horizon == 3 }),
            "sequence_length": ("3", data { $0.sequenceLength == 3 }),
            "max_vocabulary": ("3", data { $0.maxVocabulary == 3 }),
            "min_frequency": ("3", data { $0.minFrequency == 3 }),
            "normalize": ("false", data { !$0.normalize }),
            "target_columns": (#"["a", "b"]"#, data { $0.targetColumns == ["a", "b"] }),
            "validation_fraction": ("0.5", training { $0.validationFraction == 0.5 }),
            "max_length": ("3", training { $0.maxLength == 3 }),
            // Read by the seq2seq job from the recipe itself (no SequenceModel option has them).
            "attention": (#""additive""#, { $0.model.attention == .additive }),
            "source_tokens": (#""whitespace""#, { $0.data.sourceTokens == .whitespace }),
            "scheduled_sampling": ("0.25", { $0.optimization.scheduledSampling == 0.25 }),
            "scheduled_sampling_ramp": ("3", { $0.optimization.scheduledSamplingRamp == 3 }),
            "target_tokens": (#""whitespace""#, { $0.data.targetTokens == .whitespace }),
        ]
    }

    /// A token-input schema, so that the embedding size applies.
    static var tokenSchema: DatasetSchema {
        DatasetSchema(
            task: .classify, vocabulary: Vocabulary(tokens: ["<pad>", "<unk>", "a"]),
            labels: LabelSet(names: ["x", "y"]))
    }

    @Test func everyKeyIsListedHere() {
        #expect(Set(TrainingRecipe.configurationKeys) == Set(Self.changes.keys))
        #expect(TrainingRecipe.configurationKeys.count == Self.changes.count, "a key named twice")
    }

    /// A key whose name differs from the options field would be silently dropped.
    @Test(arguments: TrainingRecipe.configurationKeys)
    func everyKeyReachesTheOptions(_ key: String) throws {
        let change = try #require(Self.changes[key])
        let directory = try WorkflowDirectory()
        let url = try directory.write("{\"\(key)\": \(change.json)}", to: "config.json")
        let recipe = try TrainingRecipe.load(contentsOf: url)
        #expect(change.arrives(recipe), "\(key) did not reach the options")
        #expect(!change.arrives(TrainingRecipe()), "\(key)'s test value is its default")
    }
}
