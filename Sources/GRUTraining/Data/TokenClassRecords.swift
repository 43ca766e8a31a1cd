import GRUFormats

/// Token sequences with class labels, parsed from label-and-text or CoNLL files: the records
/// both loaders produce, fitted and encoded the same way.
///
/// Classify records hold one label; tag records hold one label per token, token `i` on line
/// `line + i`. Unlabelled records (`hasLabels` false) hold no labels and encode to examples
/// without targets.
struct TokenClassRecords: ParsedRecords {
    /// One sequence: the line it starts on, its tokens, and its label or per-token labels (none
    /// when unlabelled).
    struct Record {
        var line: Int
        var tokens: [String]
        var labels: [String]
    }

    let name: String
    let records: [Record]
    let skipped: SkipReport
    let task: SequenceTask
    /// The tokenizer that split the text; nil for CoNLL tokens, which come split.
    let tokenizer: Tokenizer?
    let options: DataOptions
    /// Whether the records hold labels; false only for unlabelled files read for prediction.
    var hasLabels = true
    var recordCount: Int { records.count }

    func fitSchema(records indices: [Int]) throws -> DatasetSchema {
        guard hasLabels else {
            throw FormatError(name, "has no \(task == .tag ? "tags" : "labels"); expected labelled training data")
        }
        let vocabulary = try fitVocabulary(indices.map { records[$0].tokens }, options: options, name: name)
        return DatasetSchema(
            task: task, vocabulary: vocabulary, tokenizer: tokenizer,
            labels: LabelSet(fitting: indices.flatMap { records[$0].labels }))
    }

    func examples(records indices: [Int], schema: DatasetSchema) throws -> [SequenceExample] {
        guard let vocabulary = schema.vocabulary else {
            throw FormatError(
                name, "holds text; the model expects \(schema.featureNames?.count ?? 0) numeric features per step")
        }
        guard let labels = schema.labels else {
            throw FormatError(name, "holds class labels; the model has no classes")
        }
        return try indices.map { index in
            let record = records[index]
            guard hasLabels else {
                return SequenceExample(
                    input: .tokens(vocabulary.ids(for: record.tokens)), target: .none, source: "\(name):\(record.line)")
            }
            let classes = try record.labels.enumerated().map { offset, label in
                try classIndex(
                    of: label, in: labels, file: name, line: record.line + offset, role: task == .tag ? "tag" : "label")
            }
            return SequenceExample(
                input: .tokens(vocabulary.ids(for: record.tokens)),
                target: task == .tag ? .stepClasses(classes) : .classIndex(classes[0]),
                source: "\(name):\(record.line)")
        }
    }
}

/// The vocabulary of `sequences` under the options' size and frequency limits.
///
/// - Throws: `FormatError` about `name` for a size below 2 or a frequency below 1.
func fitVocabulary(_ sequences: [[String]], options: DataOptions, name: String) throws -> Vocabulary {
    if let size = options.maxVocabulary, size < 2 {
        throw FormatError(name, "maximum vocabulary size \(size) is too small; expected at least 2 (<pad> and <unk>)")
    }
    guard options.minFrequency >= 1 else {
        throw FormatError(name, "minimum token frequency \(options.minFrequency) is not valid; expected at least 1")
    }
    return Vocabulary(fitting: sequences, maximumSize: options.maxVocabulary, minimumFrequency: options.minFrequency)
}
