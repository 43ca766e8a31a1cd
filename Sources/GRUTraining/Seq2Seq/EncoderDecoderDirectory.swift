import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor

/// A trained encoder-decoder on disk, as `gru train --task seq2seq` writes it:
///
///     model.json               kind "encoder-decoder": sizes, vocabularies, tokenizers,
///                              training options, history
///     weights.safetensors      PyTorch names: source_embedding.weight, encoder.weight_ih_l0 ...
///                              (with early stopping, the best epoch's)
///     checkpoint.safetensors   the last epoch's weights with the optimizer's moments and step
///                              count, and with early stopping the best epoch's (best.*):
///                              what --resume continues from
///     log.jsonl, curve.svg     one JSON object per epoch, and the curves
///
/// The files are replaced as one set after every epoch (`writeAsOneSet`), so a run stopped at
/// any moment leaves a whole epoch.
public struct EncoderDecoderDirectory: Sendable {
    /// The directory.
    public let url: URL

    /// A directory at `url` (created when saving).
    public init(_ url: URL) { self.url = url }

    /// model.json's contents.
    public struct Manifest: Codable, Equatable, Sendable {
        /// model.json's `kind`, which tells this directory from a one-stack model's.
        public static let kind = "encoder-decoder"
        /// `kind`, always.
        public var kind = Self.kind
        /// The sizes.
        public var configuration: EncoderDecoderConfiguration
        /// Both sides' vocabularies.
        public var vocabularies: TranslationVocabularies
        /// What a source token is.
        public var sourceTokens: Tokenizer.Unit
        /// What a target token is.
        public var targetTokens: Tokenizer.Unit
        /// The most tokens a decoded output holds, its end included, when none is asked for.
        public var maxOutputLength: Int
        /// How it is trained: what `--resume` continues with.
        public var training: EncoderDecoderTrainingOptions
        /// Every epoch so far: training loss, validation `loss` and `token_accuracy`.
        public var history: [EpochRecord]

        /// A manifest of the given parts, with no history.
        public init(
            configuration: EncoderDecoderConfiguration, vocabularies: TranslationVocabularies,
            sourceTokens: Tokenizer.Unit, targetTokens: Tokenizer.Unit, maxOutputLength: Int,
            training: EncoderDecoderTrainingOptions
        ) {
            self.configuration = configuration
            self.training = training
            self.vocabularies = vocabularies
            self.sourceTokens = sourceTokens
            self.targetTokens = targetTokens
            self.maxOutputLength = maxOutputLength
            history = []
        }

        /// The source side's tokenizer.
        public var sourceTokenizer: Tokenizer { Tokenizer(unit: sourceTokens, lowercases: false) }
        /// The target side's tokenizer.
        public var targetTokenizer: Tokenizer { Tokenizer(unit: targetTokens, lowercases: false) }
    }

    var manifestURL: URL { url.appendingPathComponent("model.json") }
    var weightsURL: URL { url.appendingPathComponent("weights.safetensors") }
    var logURL: URL { url.appendingPathComponent("log.jsonl") }
    var checkpointURL: URL { url.appendingPathComponent("checkpoint.safetensors") }
    var curveURL: URL { url.appendingPathComponent("curve.svg") }
    private static let setNames: Set<String> = [
        "model.json", "weights.safetensors", "checkpoint.safetensors", "log.jsonl", "curve.svg",
    ]

    /// Whether `url`'s model.json is an encoder-decoder's.
    public static func holdsEncoderDecoder(_ url: URL) -> Bool {
        guard let data = try? Data(contentsOf: url.appendingPathComponent("model.json")),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return false }
        return object["kind"] as? String == Manifest.kind
    }

    /// Writes the manifest, the weights (`best`'s when given: early stopping's), the checkpoint
    /// (`model` with `optimizer`, and `best`), the log and the curve as one set.
    public func save(
        _ model: EncoderDecoderModel, manifest: Manifest, optimizer: OptimizerState, best: EncoderDecoderModel? = nil
    ) throws {
        try createIfNeeded()
        var log = Data()
        for epoch in manifest.history {
            log.append(try ModelDirectory.jsonEncoder().encode(epoch))
            log.append(0x0A)
        }
        let tensors = model.namedTensors
        let bestTensors = best?.namedTensors
        let weights = SafetensorsFile(
            bestTensors ?? tensors, metadata: ["task": "seq2seq"], fileName: weightsURL.path
        ).encoded()
        let checkpoint = SafetensorsFile(
            tensors + (bestTensors ?? []).map { (name: Self.bestPrefix + $0.name, tensor: $0.tensor) }
                + optimizer.buffers.sorted { $0.key < $1.key }.map {
                    (name: "optimizer.\($0.key)", tensor: Tensor(shape: [$0.value.count], scalars: $0.value))
                },
            metadata: ["optimizer_step_count": String(optimizer.stepCount), "epochs": String(manifest.history.count)],
            fileName: checkpointURL.path
        ).encoded()
        let curve = TrainingCurveChart.svg(manifest.history, title: "encoder-decoder")
        try writeAsOneSet(
            [
                (try ModelDirectory.jsonEncoder(pretty: true).encode(manifest), manifestURL), (weights, weightsURL),
                (checkpoint, checkpointURL), (log, logURL), (Data(curve.utf8), curveURL),
            ],
            journal: url.appendingPathComponent(".save-journal"), lock: url.appendingPathComponent(".save-lock"),
            names: Self.setNames)
    }

    /// Creates the directory (and its parents) unless it exists.
    ///
    /// - Throws: `FormatError` naming the directory when it cannot be created.
    public func createIfNeeded() throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw FormatError(url.path, "cannot create the model directory (\(error.localizedDescription))")
        }
    }

    /// The checkpoint's names of early stopping's best weights: `best.` before the model's.
    static let bestPrefix = "best."

    /// The last epoch's model and optimizer state, and early stopping's best model when the
    /// checkpoint holds one, for `--resume`.
    ///
    /// - Throws: `FormatError` for a missing or unreadable checkpoint, or one of another
    ///   number of epochs than the manifest's history.
    public func loadCheckpoint(_ manifest: Manifest) throws -> (
        model: EncoderDecoderModel, optimizer: OptimizerState, best: EncoderDecoderModel?
    ) {
        let file = try SafetensorsFile.read(contentsOf: checkpointURL)
        let name = checkpointURL.path
        guard let steps = file.metadata["optimizer_step_count"].flatMap(Int.init),
            file.metadata["epochs"].flatMap(Int.init) == manifest.history.count
        else {
            throw FormatError(
                name,
                "has no readable optimizer state for the \(manifest.history.count) epochs of model.json; expected the checkpoint gru train wrote with it"
            )
        }
        var tensors: [String: Tensor] = [:], bestTensors: [String: Tensor] = [:], buffers: [String: [Float]] = [:]
        for tensorName in file.names {
            if tensorName.hasPrefix("optimizer.") {
                buffers[String(tensorName.dropFirst("optimizer.".count))] = file[tensorName]!.scalars
            } else if tensorName.hasPrefix(Self.bestPrefix) {
                bestTensors[String(tensorName.dropFirst(Self.bestPrefix.count))] = file[tensorName]
            } else {
                tensors[tensorName] = file[tensorName]
            }
        }
        do {
            return (
                try EncoderDecoderModel(configuration: manifest.configuration, namedTensors: tensors),
                OptimizerState(stepCount: steps, buffers: buffers),
                bestTensors.isEmpty
                    ? nil : try EncoderDecoderModel(configuration: manifest.configuration, namedTensors: bestTensors)
            )
        } catch let error as GRUInputError {
            throw error.located(in: name)
        }
    }

    /// The model and its manifest.
    ///
    /// - Throws: `FormatError` naming the file for a missing or unreadable manifest or weights,
    ///   and `GRUInputError` for missing, extra or misshapen tensors.
    public func load() throws -> (model: EncoderDecoderModel, manifest: Manifest) {
        let manifest = try loadManifest()
        let stored = try QuantizedTensors(reading: SafetensorsFile.read(contentsOf: weightsURL))
        do {
            return (
                try EncoderDecoderModel(configuration: manifest.configuration, namedTensors: stored.tensors), manifest
            )
        } catch let error as GRUInputError {
            throw error.located(in: weightsURL.path)
        }
    }

    /// model.json.
    ///
    /// - Throws: `FormatError` naming it when it is missing or not an encoder-decoder's.
    public func loadManifest() throws -> Manifest {
        let manifest: Manifest
        do {
            manifest = try ModelDirectory.jsonDecoder().decode(Manifest.self, from: Data(contentsOf: manifestURL))
            guard manifest.kind == Manifest.kind else { throw FormatError(manifestURL.path, "kind \(manifest.kind)") }
        } catch {
            throw FormatError(manifestURL.path, "is not an encoder-decoder's model.json (\(error))")
        }
        return manifest
    }
}
