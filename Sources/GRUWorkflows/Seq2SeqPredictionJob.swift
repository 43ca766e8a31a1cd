import Foundation
import GRUFormats
import GRUNetworks
import GRUTraining

/// `gru predict` of an encoder-decoder: every line of a file (a source, or a source TAB target
/// pair whose target is ignored) decoded, written as `source TAB prediction` lines, one for each
/// input line in its order, so that scripts can pair them by line number; the prediction's
/// tokens joined as its side's tokenization splits them (characters with nothing between, other
/// tokens with a space). A blank line is an empty source, decoded as one `<unk>` (one step of
/// zeros for a model whose source is feature vectors, `FeatureSteps`).
public struct Seq2SeqPredictionJob {
    /// The model directory written by `gru train --task seq2seq`.
    public var directory: EncoderDecoderDirectory
    /// The sources.
    public var dataFile: URL
    /// The TSV to write.
    public var outputFile: URL
    /// The beam search's settings.
    public var decoding: Seq2SeqDecoding

    /// A job of the given parts.
    public init(
        directory: EncoderDecoderDirectory, dataFile: URL, outputFile: URL,
        decoding: Seq2SeqDecoding = Seq2SeqDecoding()
    ) {
        self.directory = directory
        self.dataFile = dataFile
        self.outputFile = outputFile
        self.decoding = decoding
    }

    /// What `run` returns: the lines written and the source tokens unseen at training time.
    public struct Result: Sendable {
        /// Lines written, one a source.
        public let count: Int
        /// Source tokens the vocabulary lacks, read as `<unk>`.
        public let unknownSourceTokens: Int
    }

    /// Decodes every line and writes the table atomically.
    ///
    /// - Throws: `FormatError` for unreadable or empty files or a source of malformed features
    ///   (naming its line), `GRUInputError` for bad decoding settings; nothing is written then.
    @discardableResult
    public func run() throws -> Result {
        let (model, manifest) = try directory.load()
        let options = try decoding.options(for: manifest)
        let name = dataFile.relativePath
        guard let text = try? String(contentsOf: dataFile, encoding: .utf8) else {
            throw FormatError(name, "cannot be read as UTF-8 text; expected one source (or source TAB target) a line")
        }
        // The file's last newline ends its last line rather than starting another.
        var fileLines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        if fileLines.last?.isEmpty == true { fileLines.removeLast() }
        let sources = fileLines.map { line in
            String(line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)[0])
        }
        guard !sources.allSatisfy({ $0.allSatisfy(\.isWhitespace) }) else {
            throw FormatError(name, "holds no sources; expected one a line")
        }
        let separator = manifest.targetTokens == .characters ? "" : " "
        var lines: [String] = [], unknown = 0
        let width = manifest.configuration.sourceFeatureCount
        for start in stride(from: 0, to: sources.count, by: 64) {
            let part = Array(sources[start..<min(start + 64, sources.count)])
            let examples = try part.indices.map { index -> TranslationExample in
                let source = part[index]
                guard width == 0 else {
                    switch FeatureSteps.parse(source[...], width: width) {
                    case .success(let steps) where !steps.isEmpty:
                        return TranslationExample(sourceFeatures: steps, targetInput: [0], targetOutput: [0])
                    case .success:
                        let zeros = [[Float]](repeating: [Float](repeating: 0, count: width), count: 1)
                        return TranslationExample(sourceFeatures: zeros, targetInput: [0], targetOutput: [0])
                    case .failure(let problem):
                        throw FormatError("\(name):\(start + index + 1)", "source: \(problem.message)")
                    }
                }
                let words = manifest.sourceTokenizer.tokens(in: source)
                unknown += words.filter { !manifest.vocabularies.source.contains($0) }.count
                let tokens = manifest.vocabularies.source.ids(for: words)
                return TranslationExample(
                    source: tokens.isEmpty ? [Vocabulary.unknownID] : tokens, targetInput: [0], targetOutput: [0])
            }
            let decoded = try model.decode(TranslationBatch(examples: examples), options: options)
            for (source, output) in zip(part, decoded) {
                let tokens =
                    output.tokens.last == TranslationVocabularies.endID ? output.tokens.dropLast() : output.tokens[...]
                lines.append(
                    source + "\t" + tokens.map(manifest.vocabularies.target.token(for:)).joined(separator: separator))
            }
        }
        try writeAtomically(Data((lines.joined(separator: "\n") + "\n").utf8), to: outputFile)
        return Result(count: lines.count, unknownSourceTokens: unknown)
    }
}
