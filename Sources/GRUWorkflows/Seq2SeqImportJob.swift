import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTraining

/// `gru import --seq2seq NAMES.json`: a PyTorch encoder-decoder's `state_dict`, saved as
/// safetensors (`safetensors.torch.save_file(model.state_dict(), "model.safetensors")`), as
/// an encoder-decoder model directory. The JSON names which of the file's modules is which
/// part and gives what the weights cannot tell:
///
///     {"modules": {"source_embedding": "encoder.embedding", "encoder": "encoder.rnn",
///                  "context": "encoder.fc", "target_embedding": "decoder.embedding",
///                  "decoder": "decoder.rnn", "head": "decoder.fc_out",
///                  "attention": "decoder.attention.attn", "attention_v": "decoder.attention.v"},
///      "source_vocabulary": ["<pad>", "<unk>", "a", ...],
///      "target_vocabulary": ["<pad>", "<unk>", "<s>", "</s>", "AH0", ...],
///      "source_tokens": "characters", "target_tokens": "whitespace", "max_output_length": 40}
///
/// `attention` and `attention_v` name the attention's layers when the model has them
/// (Bahdanau's, `EncoderDecoderModel`); `attention` alone, a bias-free (H, D*H) layer, is
/// Luong's multiplicative attention. With `"source_tokens": "features"` the encoder reads
/// feature vectors: there is no `source_embedding` module nor `source_vocabulary`, and the
/// feature count is the encoder's input size. The sizes come from the tensors' shapes. The
/// module parts must be the architecture `EncoderDecoderModel` documents.
public struct Seq2SeqImportJob {
    /// The state_dict as safetensors.
    public var input: URL
    /// The JSON of names.
    public var names: URL
    /// The model directory to write.
    public var directory: EncoderDecoderDirectory

    /// A job of the given parts.
    public init(input: URL, names: URL, directory: EncoderDecoderDirectory) {
        self.input = input
        self.names = names
        self.directory = directory
    }

    /// The JSON's contents.
    struct Names: Decodable {
        var modules: [String: String]
        var sourceVocabulary: [String]?
        var targetVocabulary: [String]
        var sourceTokens: Tokenizer.Unit?
        var targetTokens: Tokenizer.Unit?
        var maxOutputLength: Int?
    }

    /// Reads both files and writes the directory; returns the model.
    ///
    /// - Throws: `FormatError` naming the JSON or the weights file for what is missing or does
    ///   not fit (a module not found, a vocabulary of another size than its embedding, tensors
    ///   no part names), `GRUInputError` for misshapen tensors.
    @discardableResult
    public func run() throws -> EncoderDecoderModel {
        let namesPath = names.relativePath
        let parsed: Names
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            parsed = try decoder.decode(Names.self, from: Data(contentsOf: names))
        } catch {
            throw FormatError(
                namesPath,
                "is not a seq2seq names file (\(error)); expected modules, source_vocabulary, target_vocabulary")
        }
        let file = try SafetensorsFile.read(contentsOf: input)
        let tensors = try QuantizedTensors(reading: file).tensors
        let parts = [
            "source_embedding", "encoder", "context", "target_embedding", "decoder", "head", "attention", "attention_v",
        ]
        // attention_v only with additive attention; attention alone is multiplicative.
        let attention: EncoderDecoderConfiguration.Attention =
            parsed.modules["attention"] == nil
            ? .none : parsed.modules["attention_v"] == nil ? .multiplicative : .additive
        let readsFeatures = parsed.sourceTokens == .features
        if readsFeatures, parsed.modules["source_embedding"] != nil || parsed.sourceVocabulary != nil {
            throw FormatError(
                namesPath,
                "names a source_embedding or source_vocabulary with source_tokens \"features\"; expected neither: the encoder reads the features"
            )
        }
        var renamed: [String: Tensor] = [:]
        var claimed = Set<String>()
        for part in parts where !(readsFeatures && part == "source_embedding") {
            guard let prefix = parsed.modules[part] else {
                if part == "attention" && attention == .none || part == "attention_v" && attention != .additive {
                    continue
                }
                throw FormatError(namesPath, "modules has no \"\(part)\"; expected the file's module of that part")
            }
            let members = tensors.keys.filter { $0.hasPrefix(prefix + ".") }
            guard !members.isEmpty else {
                throw FormatError(file.fileName, "has no tensor under '\(prefix).'; expected the \(part) module's")
            }
            for name in members {
                renamed[part + name.dropFirst(prefix.count)] = tensors[name]
                claimed.insert(name)
            }
        }
        if let extra = tensors.keys.sorted().first(where: { !claimed.contains($0) }) {
            throw FormatError(file.fileName, "tensor '\(extra)' is under none of the modules; expected only theirs")
        }
        guard
            let sourceVocabulary = Vocabulary(
                tokens: readsFeatures
                    ? [Vocabulary.paddingToken, Vocabulary.unknownToken] : parsed.sourceVocabulary ?? []),
            let targetVocabulary = Vocabulary(tokens: parsed.targetVocabulary),
            Array(parsed.targetVocabulary.prefix(4)) == [
                Vocabulary.paddingToken, Vocabulary.unknownToken, TranslationVocabularies.startToken,
                TranslationVocabularies.endToken,
            ]
        else {
            throw FormatError(
                namesPath,
                "has vocabularies that do not start with <pad>, <unk> (and, on the target side, <s>, </s>) or repeat a token"
            )
        }
        func shape(_ name: String) throws -> [Int] {
            guard let tensor = renamed[name] else { throw FormatError(file.fileName, "has no \(name); expected one") }
            return tensor.shape
        }
        let embedding = try shape("target_embedding.weight"), recurrent = try shape("encoder.weight_hh_l0")
        let layers = (0...).prefix { renamed["encoder.weight_ih_l\($0)"] != nil }.count
        let sides =
            readsFeatures
            ? [("target", targetVocabulary)] : [("source", sourceVocabulary), ("target", targetVocabulary)]
        for (name, vocabulary) in sides {
            let rows = try shape("\(name == "source" ? "source" : "target")_embedding.weight")[0]
            guard rows == vocabulary.count else {
                throw FormatError(
                    namesPath,
                    "\(name)_vocabulary has \(vocabulary.count) tokens; expected \(rows), the embedding's rows")
            }
        }
        let e = embedding.count == 2 ? embedding[1] : 0, h = recurrent.count == 2 ? recurrent[1] : 0
        let bidirectional = renamed["encoder.weight_hh_l0_reverse"] != nil
        let configuration: EncoderDecoderConfiguration
        if readsFeatures {
            let input = try shape("encoder.weight_ih_l0")
            configuration = EncoderDecoderConfiguration(
                sourceFeatureCount: input.count == 2 ? input[1] : 0, targetVocabularySize: targetVocabulary.count,
                embeddingSize: e, hiddenSize: h, encoderLayers: layers, bidirectional: bidirectional,
                attention: attention)
            guard configuration.sourceFeatureCount > 0 else {
                throw FormatError(
                    file.fileName, "has encoder.weight_ih_l0 of shape \(input); expected (3H, F), F the features a step"
                )
            }
        } else {
            configuration = EncoderDecoderConfiguration(
                sourceVocabularySize: sourceVocabulary.count, targetVocabularySize: targetVocabulary.count,
                embeddingSize: e, hiddenSize: h, encoderLayers: layers, bidirectional: bidirectional,
                attention: attention)
        }
        try configuration.validate()
        let model: EncoderDecoderModel
        do {
            model = try EncoderDecoderModel(configuration: configuration, namedTensors: renamed)
        } catch let error as GRUInputError {
            throw error.located(in: file.fileName)
        }
        let manifest = EncoderDecoderDirectory.Manifest(
            configuration: configuration,
            vocabularies: TranslationVocabularies(source: sourceVocabulary, target: targetVocabulary),
            sourceTokens: parsed.sourceTokens ?? .characters, targetTokens: parsed.targetTokens ?? .characters,
            maxOutputLength: parsed.maxOutputLength ?? 50, training: EncoderDecoderTrainingOptions())
        try directory.save(model, manifest: manifest, optimizer: OptimizerState(stepCount: 0, buffers: [:]))
        return model
    }
}
