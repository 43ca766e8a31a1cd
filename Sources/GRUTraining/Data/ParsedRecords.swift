import GRUFormats
import GRUTensor

/// The records of one file, parsed but not yet encoded: what every loader produces first.
///
/// Parsing and encoding are two steps so that whatever is fitted (vocabulary, class names,
/// normalization) is fitted on the training records only, also when the training and validation
/// records come from one file.
protocol ParsedRecords {
    /// The file's name for messages.
    var name: String { get }
    /// The number of records an example can be made of (rows, sentences, cases, windows, chunks).
    var recordCount: Int { get }
    /// What parsing deliberately skipped.
    var skipped: SkipReport { get }
    /// The task these records serve.
    var task: SequenceTask { get }
    /// How to split the records into training and validation (random unless the data is in time order).
    func partition(validationFraction: Double, seed: UInt64) throws -> DatasetPartition
    /// The schema fitted on the records at `records`.
    func fitSchema(records: [Int]) throws -> DatasetSchema
    /// The records at `records` encoded with `schema`.
    func examples(records: [Int], schema: DatasetSchema) throws -> [SequenceExample]
}

extension ParsedRecords {
    func partition(validationFraction: Double, seed: UInt64) throws -> DatasetPartition {
        try .random(count: recordCount, validationFraction: validationFraction, seed: seed, name: name)
    }

    /// The data set of the records at `records`, encoded with `schema`.
    ///
    /// - Throws: `FormatError` naming the file when the schema is for another task or no example is left.
    func dataset(records: [Int], schema: DatasetSchema, skipped extra: SkipReport = SkipReport()) throws
        -> SequenceDataset
    {
        guard schema.task == task else {
            throw FormatError(name, "holds \(task.rawValue) data; the model expects \(schema.task.rawValue) data")
        }
        let examples = try examples(records: records, schema: schema)
        var report = skipped
        report.merge(extra)
        guard !examples.isEmpty else {
            throw FormatError(name, "no examples (\(report))")
        }
        return SequenceDataset(schema: schema, examples: examples, skipped: report, source: name)
    }
}

/// The class index of `label` among `labels`.
///
/// - Throws: `FormatError` naming `file:line` when the label is not one of them.
func classIndex(of label: String, in labels: LabelSet, file: String, line: Int, role: String = "label") throws -> Int {
    guard let index = labels.index(of: label) else {
        throw FormatError(
            file, line: line,
            "\(role) '\(label)' is not one of the \(labels.count) classes of the training data (\(listForMessage(labels.names)))"
        )
    }
    return index
}
