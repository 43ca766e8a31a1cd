import Foundation
import GRUFormats
import GRUNetworks
import GRUTraining

/// `gru evaluate` of an encoder-decoder: the pairs of a data file read as its training pairs
/// were (the same tokenizers and vocabularies; unknown tokens become `<unk>`), scored teacher-
/// forced (loss, token accuracy) and decoded (sequence accuracy, edit-distance error rate).
public struct Seq2SeqEvaluationJob {
    /// The model directory written by `gru train --task seq2seq`.
    public var directory: EncoderDecoderDirectory
    /// The pairs to evaluate on.
    public var dataFile: URL
    /// The beam search's settings.
    public var decoding: Seq2SeqDecoding

    /// A job of the given parts.
    public init(directory: EncoderDecoderDirectory, dataFile: URL, decoding: Seq2SeqDecoding = Seq2SeqDecoding()) {
        self.directory = directory
        self.dataFile = dataFile
        self.decoding = decoding
    }

    /// `gru evaluate --json`'s object: `count`, `loss`, `token_accuracy`, `sequence_accuracy`,
    /// `error_rate` (edits over target tokens), `unknown_source_tokens` and
    /// `unknown_target_tokens` (unseen at training time, read as `<unk>`).
    public struct Report: Codable, Equatable, Sendable {
        /// The pairs evaluated.
        public var count: Int
        /// The teacher-forced cross-entropy per target token (end tokens included).
        public var loss: Double
        /// The share of target tokens predicted right, teacher-forced.
        public var tokenAccuracy: Double
        /// The share of decoded outputs equal to their target.
        public var sequenceAccuracy: Double
        /// Edit distance of the decoded outputs over the targets' tokens.
        public var errorRate: Double
        /// Source tokens unseen at training time, read as `<unk>`.
        public var unknownSourceTokens: Int
        /// Target tokens unseen at training time, read as `<unk>`.
        public var unknownTargetTokens: Int

        /// One JSON object, keys sorted and snake_case.
        public func jsonData() throws -> Data {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            return try encoder.encode(self)
        }
    }

    /// Loads the model and the pairs and measures.
    ///
    /// - Throws: `FormatError` for unreadable files, `GRUInputError` for bad decoding settings.
    public func run() throws -> Report {
        let (model, manifest) = try directory.load()
        let options = try decoding.options(for: manifest)
        let width = manifest.configuration.sourceFeatureCount
        let pairs = try TranslationPairs.read(
            dataFile, source: manifest.sourceTokenizer, target: manifest.targetTokenizer,
            featureCount: width > 0 ? width : nil)
        let examples = pairs.pairs.map(manifest.vocabularies.encode)
        let measured = try Seq2SeqTrainingJob.teacherForcedMetrics(model, examples)
        let decoded = try TransductionEvaluation(model: model, examples: examples, options: options)
        let unknown = pairs.pairs.map(manifest.vocabularies.unknownCounts)
        return Report(
            count: examples.count, loss: measured.loss, tokenAccuracy: measured.tokenAccuracy,
            sequenceAccuracy: decoded.sequenceAccuracy, errorRate: decoded.errorRate,
            unknownSourceTokens: unknown.reduce(0) { $0 + $1.source },
            unknownTargetTokens: unknown.reduce(0) { $0 + $1.target })
    }
}
