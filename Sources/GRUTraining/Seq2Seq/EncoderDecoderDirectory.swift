import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor

/// A trained encoder-decoder on disk, as `gru train --task seq2seq` writes it:
///
///     model.json            kind "encoder-decoder": sizes, vocabularies, tokenizers, history
///     weights.safetensors   PyTorch names: source_embedding.weight, encoder.weight_ih_l0 ...
///     log.jsonl             one JSON object per epoch
///
/// The files are replaced as one set after every epoch (`writeAsOneSet`). There is no resume
/// checkpoint yet.
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
        /// Every epoch so far.
        public var history: [Epoch]

        /// One epoch's record.
        public struct Epoch: Codable, Equatable, Sendable {
            /// The epoch, from 1.
            public var epoch: Int
            /// The mean teacher-forced loss of its batches.
            public var trainLoss: Double
            /// The teacher-forced loss per target token of the validation pairs.
            public var validationLoss: Double
            /// The share of validation target tokens predicted right, teacher-forced.
            public var validationTokenAccuracy: Double

            /// A record of the given values.
            public init(epoch: Int, trainLoss: Double, validationLoss: Double, validationTokenAccuracy: Double) {
                self.epoch = epoch
                self.trainLoss = trainLoss
                self.validationLoss = validationLoss
                self.validationTokenAccuracy = validationTokenAccuracy
            }
        }

        /// A manifest of the given parts, with no history.
        public init(
            configuration: EncoderDecoderConfiguration, vocabularies: TranslationVocabularies,
            sourceTokens: Tokenizer.Unit, targetTokens: Tokenizer.Unit, maxOutputLength: Int
        ) {
            self.configuration = configuration
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

    /// Whether `url`'s model.json is an encoder-decoder's.
    public static func holdsEncoderDecoder(_ url: URL) -> Bool {
        guard let data = try? Data(contentsOf: url.appendingPathComponent("model.json")),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return false }
        return object["kind"] as? String == Manifest.kind
    }

    /// Writes the manifest, the weights and the log as one set.
    public func save(_ model: EncoderDecoderModel, manifest: Manifest) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw FormatError(url.path, "cannot create the model directory (\(error.localizedDescription))")
        }
        let encoder = ModelDirectory.jsonEncoder(pretty: true)
        var log = Data()
        for epoch in manifest.history {
            log.append(try ModelDirectory.jsonEncoder().encode(epoch))
            log.append(0x0A)
        }
        let weights = SafetensorsFile(
            model.namedTensors, metadata: ["task": "seq2seq"], fileName: weightsURL.path
        ).encoded()
        try writeAsOneSet(
            [(try encoder.encode(manifest), manifestURL), (weights, weightsURL), (log, logURL)],
            journal: url.appendingPathComponent(".save-journal"), lock: url.appendingPathComponent(".save-lock"),
            names: ["model.json", "weights.safetensors", "log.jsonl"])
    }

    /// The model and its manifest.
    ///
    /// - Throws: `FormatError` naming the file for a missing or unreadable manifest or weights,
    ///   and `GRUInputError` for missing, extra or misshapen tensors.
    public func load() throws -> (model: EncoderDecoderModel, manifest: Manifest) {
        let manifest: Manifest
        do {
            manifest = try ModelDirectory.jsonDecoder().decode(Manifest.self, from: Data(contentsOf: manifestURL))
        } catch {
            throw FormatError(manifestURL.path, "is not an encoder-decoder's model.json (\(error))")
        }
        let stored = try QuantizedTensors(reading: SafetensorsFile.read(contentsOf: weightsURL))
        do {
            return (
                try EncoderDecoderModel(configuration: manifest.configuration, namedTensors: stored.tensors), manifest
            )
        } catch let error as GRUInputError {
            throw error.located(in: weightsURL.path)
        }
    }
}
