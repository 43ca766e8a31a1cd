import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTraining

/// A `gru train --task seq2seq` run: source TAB target pairs into an `EncoderDecoderModel`,
/// trained with teacher forcing and saved after every epoch (`EncoderDecoderDirectory`), the
/// directory locked while the run lasts (`EncoderDecoderWriter`).
///
/// The settings that apply: the model's `hiddenSize` (default 64), `layers` (the encoder's,
/// default 1), `bidirectional`, `embeddingSize` (default min(H, 128)), `attention`, and the
/// regularizers `inputDropout` (both embeddings), `layerDropout` (between the encoder's
/// layers), `recurrentDropout`, `zoneout` and `weightDrop` (the encoder's and the decoder's
/// GRUs) and `outputDropout` (the decoder states the head reads); the optimization's `epochs`
/// (10), `batchSize` (32), `optimizer` (Adam) and `learningRate` (0.001) with `momentum`,
/// `nesterov` and `weightDecay`, `clipNorm`, `clipValue`, `schedule` with `stepSize`,
/// `decayFactor`, `warmupSteps` and `schedulePatience` (the plateau watches the validation
/// loss), `labelSmoothing`, `earlyStopping` (weights.safetensors then holds the best
/// epoch's weights), `scheduledSampling` with `scheduledSamplingRamp`, and `seed` (0); the data's `sourceTokens` (characters; `features` reads each source
/// as feature vectors, `FeatureSteps`, fed to the encoder as they are, with no source
/// embedding) and `targetTokens` (characters), `maxLength`
/// (targets longer are skipped; also the decoding limit, default 2x the longest training
/// target) and `validationFraction` (0.1, when no validation file is given). Any other
/// setting is an error naming it.
public struct Seq2SeqTrainingJob {
    /// The settings given.
    public var recipe: TrainingRecipe
    /// The training pairs.
    public var trainingFile: URL
    /// The validation pairs; nil holds out the recipe's validation fraction.
    public var validationFile: URL?
    /// Where the model goes.
    public var directory: EncoderDecoderDirectory
    /// Whether to continue the run in `directory` from its last whole epoch.
    public var resume: Bool

    /// A job of the given parts.
    public init(
        recipe: TrainingRecipe, trainingFile: URL, validationFile: URL?, directory: EncoderDecoderDirectory,
        resume: Bool = false
    ) {
        self.recipe = recipe
        self.trainingFile = trainingFile
        self.validationFile = validationFile
        self.directory = directory
        self.resume = resume
    }

    /// The settings fields a seq2seq run reads.
    static let applicable: Set<String> = [
        "hiddenSize", "layers", "bidirectional", "embeddingSize", "attention", "epochs", "batchSize",
        "learningRate", "clipNorm", "seed", "task", "sourceTokens", "targetTokens", "maxLength",
        "validationFraction", "optimizer", "momentum", "nesterov", "weightDecay", "clipValue", "schedule", "stepSize",
        "decayFactor", "warmupSteps", "schedulePatience", "inputDropout", "layerDropout", "recurrentDropout",
        "outputDropout", "zoneout", "weightDrop", "labelSmoothing", "earlyStopping", "scheduledSampling",
        "scheduledSamplingRamp",
    ]

    /// The flag of a settings field: `--batch-size` for `batchSize`.
    static func flag(of field: String) -> String {
        "--" + field.map { $0.isUppercase ? "-" + $0.lowercased() : String($0) }.joined()
    }

    /// Reads the data, then trains, calling `report` with a line after every epoch.
    ///
    /// - Throws: `GRUInputError` naming a setting that does not apply or is out of range,
    ///   `FormatError` for unreadable data.
    public func run(_ report: (String) -> Void = { _ in }) throws -> EncoderDecoderDirectory.Manifest {
        for group in [
            try SettingsJSON.fields(of: recipe.model), try SettingsJSON.fields(of: recipe.optimization),
            try SettingsJSON.fields(of: recipe.data),
        ] {
            if let key = group.keys.sorted().first(where: { !Self.applicable.contains($0) }) {
                throw GRUInputError(
                    .setting(Self.flag(of: key)),
                    found: "given for a seq2seq model",
                    expected: "the settings of the encoder-decoder only; leave it out")
            }
        }
        // Before the checkpoint of a resumed run is read: another run may be writing it.
        let writer = try EncoderDecoderWriter(directory: directory)
        let source = Tokenizer(unit: recipe.data.sourceTokens ?? .characters, lowercases: false)
        let target = Tokenizer(unit: recipe.data.targetTokens ?? .characters, lowercases: false)
        let limit = recipe.data.maxLength
        var training = try TranslationPairs.read(
            trainingFile, source: source, target: target, maximumTargetLength: limit)
        let validation: TranslationPairs
        if let validationFile {
            let width = training.sourceFeatureCount
            validation = try TranslationPairs.read(
                validationFile, source: source, target: target, maximumTargetLength: limit,
                featureCount: width > 0 ? width : nil)
        } else {
            let fraction = recipe.data.validationFraction ?? 0.1
            guard (0..<1).contains(fraction) else {
                throw GRUInputError(.setting("--validation-fraction"), found: "\(fraction)", expected: "in [0, 1)")
            }
            (training, validation) = training.split(validationFraction: fraction, seed: recipe.optimization.seed ?? 0)
        }
        var options = EncoderDecoderTrainingOptions(recipe.trainingOptions)
        options.scheduledSampling = recipe.optimization.scheduledSampling ?? 0
        options.scheduledSamplingRamp = recipe.optimization.scheduledSamplingRamp ?? 0
        for (flag, value, valid) in [
            ("--epochs", "\(options.epochs)", options.epochs >= 1),
            ("--batch-size", "\(options.batchSize)", options.batchSize >= 1),
            ("--learning-rate", "\(options.learningRate)", options.learningRate > 0),
        ]
        where !valid {
            throw GRUInputError(.setting(flag), found: value, expected: "a positive value")
        }
        var manifest: EncoderDecoderDirectory.Manifest
        let trainer: EncoderDecoderTrainer
        if resume {
            // The checkpointed run's vocabularies and sizes; the settings given must be its own.
            manifest = try directory.loadManifest()
            let stored = manifest
            let given = try Self.manifest(
                recipe: recipe, vocabularies: stored.vocabularies, source: source, target: target, options: options,
                training: training)
            var comparable = given
            comparable.training.epochs = stored.training.epochs
            comparable.history = stored.history
            guard comparable == stored else {
                throw GRUInputError(
                    .setting("--resume"), found: Self.differences(comparable, stored),
                    expected: "the settings of the run in \(directory.url.path) (only --epochs may differ)")
            }
            let (model, optimizer, best) = try directory.loadCheckpoint(stored)
            trainer = try EncoderDecoderTrainer(
                model: model, examples: training.pairs.map(stored.vocabularies.encode), options: options)
            do {
                try trainer.resume(
                    epochs: stored.history.count, optimizer: optimizer,
                    monitoredLosses: stored.history.map { $0.validation?["loss"] ?? $0.trainingLoss },
                    bestParameters: best?.parameters)
            } catch let error as GRUInputError {
                throw error.located(in: directory.url.appendingPathComponent("checkpoint.safetensors").path)
            }
            manifest.training.epochs = options.epochs
        } else {
            manifest = try Self.manifest(
                recipe: recipe, vocabularies: TranslationVocabularies(fitting: training), source: source,
                target: target,
                options: options, training: training)
            trainer = try EncoderDecoderTrainer(
                model: try EncoderDecoderModel(configuration: manifest.configuration, seed: options.seed),
                examples: training.pairs.map(manifest.vocabularies.encode), options: options)
        }
        let validationExamples = validation.pairs.map(manifest.vocabularies.encode)
        let targetTokens = training.pairs.reduce(0) { $0 + $1.target.count + 1 }  // end tokens included
        let first = trainer.epochs + 1
        guard first <= options.epochs, trainer.stopReason == nil else { return manifest }
        for epoch in first...options.epochs {
            let started = DispatchTime.now().uptimeNanoseconds
            let loss = try trainer.runEpoch()
            let trainingSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let measured = try Self.teacherForcedMetrics(trainer.model, validationExamples)
            let learningRate = trainer.learningRate
            trainer.endEpoch(monitoredLoss: validationExamples.isEmpty ? loss : measured.loss)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let tokensPerSecond = Double(targetTokens) / max(trainingSeconds, 1e-9)
            manifest.history.append(
                EpochRecord(
                    epoch: epoch, trainingLoss: loss,
                    validation: validationExamples.isEmpty
                        ? nil : ["loss": measured.loss, "token_accuracy": measured.tokenAccuracy],
                    learningRate: learningRate, seconds: seconds,
                    sequencesPerSecond: Double(training.pairs.count) / max(trainingSeconds, 1e-9),
                    targetTokensPerSecond: tokensPerSecond))
            var best: EncoderDecoderModel?
            if let parameters = trainer.bestParameters {
                best = trainer.model
                best!.parameters = parameters
            }
            try writer.save(trainer.model, manifest: manifest, optimizer: trainer.optimizerState, best: best)
            // Without validation data there is no validation loss to print.
            let validationPart =
                validationExamples.isEmpty
                ? "" : String(format: "  val loss %.4f  val token accuracy %.4f", measured.loss, measured.tokenAccuracy)
            report(
                String(format: "epoch %d/%d  train loss %.4f", epoch, options.epochs, loss) + validationPart
                    + String(format: "  %.0f target tokens/s", tokensPerSecond))
            if let reason = trainer.stopReason {
                report(reason + "; the model keeps that epoch's weights")
                break
            }
        }
        return manifest
    }

    /// What differs between a run's manifest and the checkpointed one's, as "hiddenSize 20
    /// (the checkpointed run has 16)", for the resume error.
    static func differences(_ given: EncoderDecoderDirectory.Manifest, _ stored: EncoderDecoderDirectory.Manifest)
        -> String
    {
        func flattened(_ manifest: EncoderDecoderDirectory.Manifest) -> [String: String] {
            let object = (try? SettingsJSON.fields(of: manifest)) ?? [:]
            var fields: [String: String] = [:]
            // The history grows and the vocabularies are the checkpoint's own: neither is a setting.
            for (key, value) in object where key != "history" && key != "vocabularies" {
                if let nested = value as? [String: Any] {
                    for (inner, innerValue) in nested { fields[inner] = "\(innerValue)" }
                } else {
                    fields[key] = "\(value)"
                }
            }
            return fields
        }
        let (a, b) = (flattened(given), flattened(stored))
        let keys = Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
        guard !keys.isEmpty else { return "other settings" }
        return keys.map { "\($0) \(a[$0] ?? "none") (the checkpointed run has \(b[$0] ?? "none"))" }
            .joined(separator: ", ")
    }

    /// The manifest a run of these settings starts with (no history).
    static func manifest(
        recipe: TrainingRecipe, vocabularies: TranslationVocabularies, source: Tokenizer, target: Tokenizer,
        options: EncoderDecoderTrainingOptions, training: TranslationPairs
    ) throws -> EncoderDecoderDirectory.Manifest {
        let h = recipe.model.hiddenSize ?? 64, e = recipe.model.embeddingSize ?? min(h, 128)
        let layers = recipe.model.layers ?? 1, bidirectional = recipe.model.bidirectional ?? false
        let attention = recipe.model.attention ?? .none
        var configuration =
            source.unit == .features
            ? EncoderDecoderConfiguration(
                sourceFeatureCount: training.sourceFeatureCount, targetVocabularySize: vocabularies.target.count,
                embeddingSize: e, hiddenSize: h, encoderLayers: layers, bidirectional: bidirectional,
                attention: attention)
            : EncoderDecoderConfiguration(
                sourceVocabularySize: vocabularies.source.count, targetVocabularySize: vocabularies.target.count,
                embeddingSize: e, hiddenSize: h, encoderLayers: layers, bidirectional: bidirectional,
                attention: attention)
        let model = recipe.model
        configuration.inputDropout = model.inputDropout ?? 0
        configuration.layerDropout = model.layerDropout ?? 0
        configuration.recurrentDropout = model.recurrentDropout ?? 0
        configuration.outputDropout = model.outputDropout ?? 0
        configuration.zoneout = model.zoneout ?? 0
        configuration.weightDrop = model.weightDrop ?? 0
        try configuration.validate()
        let limit = recipe.data.maxLength
        return EncoderDecoderDirectory.Manifest(
            configuration: configuration, vocabularies: vocabularies, sourceTokens: source.unit,
            targetTokens: target.unit,
            maxOutputLength: limit.map { $0 + 1 } ?? 2 * (training.pairs.map(\.target.count).max() ?? 1) + 1,
            training: options)
    }

    /// The mean teacher-forced loss over batches and the token accuracy of `examples`; zeros
    /// for none.
    static func teacherForcedMetrics(_ model: EncoderDecoderModel, _ examples: [TranslationExample]) throws -> (
        loss: Double, tokenAccuracy: Double
    ) {
        guard !examples.isEmpty else { return (0, 0) }
        var loss = 0.0, correct = 0, total = 0
        let vocabulary = model.configuration.targetVocabularySize
        for start in stride(from: 0, to: examples.count, by: 64) {
            let part = Array(examples[start..<min(start + 64, examples.count)])
            let result = try model.teacherForced(TranslationBatch(examples: part), computesGradients: false)
            let tokens = part.reduce(0) { $0 + $1.targetOutput.count }
            loss += Double(result.loss) * Double(tokens)
            for (b, example) in part.enumerated() {
                for t in example.targetOutput.indices {
                    let row = (t * part.count + b) * vocabulary
                    let logits = result.logits.scalars[row..<(row + vocabulary)]
                    correct += logits.indices.max { logits[$0] < logits[$1] }! - row == example.targetOutput[t] ? 1 : 0
                }
            }
            total += tokens
        }
        return (loss / Double(total), Double(correct) / Double(total))
    }
}
