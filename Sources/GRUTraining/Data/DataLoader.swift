import Foundation
import GRUFormats

/// Reads data files of every supported format into `SequenceDataset`s.
///
/// The format comes from the file extension unless `DataOptions.format` names it; the task from
/// the format unless `DataOptions.task` (or a given schema) names it. Every bad row or file is a
/// `FormatError` whose message names the file and line and says what was expected and found;
/// what is deliberately skipped is counted in the data set's `skipped` report.
public enum DataLoader {
    /// The data set in the file at `url`.
    ///
    /// - Parameters:
    ///   - options: How to read the file; with `requiresTargets` false, unlabelled files too
    ///     (their examples' target is `.none`), which needs `schema`.
    ///   - schema: The training data's schema, for validation, test and prediction files: its
    ///     vocabulary, classes and normalization are used as they are. Nil fits a new schema on
    ///     this file (training data).
    /// - Throws: `FormatError` naming the file (and line) for any problem.
    public static func load(_ url: URL, options: DataOptions = DataOptions(), schema: DatasetSchema? = nil) throws
        -> SequenceDataset
    {
        let records = try parse(url, options: options, schema: schema)
        let all = Array(0..<records.recordCount)
        return try records.dataset(records: all, schema: schema ?? records.fitSchema(records: all))
    }

    /// The training and validation data sets of one file, the schema fitted on the training part only.
    ///
    /// Time-ordered data is split by position: forecast windows whose targets lie in the last
    /// `validationFraction` of the rows, and the last fraction of a language model's sequences,
    /// are validation (forecast windows whose targets straddle the boundary are in neither part,
    /// and are counted in `skipped`). Other data is split at random by `seed`, keeping file order
    /// within each part.
    ///
    /// - Throws: `FormatError` naming the file for any problem, a fraction outside (0, 1), or fewer than two records.
    public static func loadSplit(
        _ url: URL, validationFraction: Double, seed: UInt64, options: DataOptions = DataOptions()
    ) throws -> (training: SequenceDataset, validation: SequenceDataset) {
        let records = try parse(url, options: options, schema: nil)
        let partition = try records.partition(validationFraction: validationFraction, seed: seed)
        let schema = try records.fitSchema(records: partition.training)
        return (
            try records.dataset(records: partition.training, schema: schema, skipped: partition.skipped),
            try records.dataset(records: partition.validation, schema: schema, skipped: partition.skipped)
        )
    }

    /// The records of the file at `url`, parsed by the loader its format and task call for; a
    /// schema's task and forecast window override the options'.
    static func parse(_ url: URL, options: DataOptions, schema: DatasetSchema?) throws -> any ParsedRecords {
        let schemaTask = schema?.task
        let format = try options.format ?? DataFormat(of: url)
        let name = displayName(of: url)
        if let requested = options.task, let schemaTask, requested != schemaTask {
            throw FormatError(
                name, "the task is \(requested.rawValue) but the model was trained for \(schemaTask.rawValue)")
        }
        let task = options.task ?? schemaTask
        if format == .npy { return try NpyDatasetLoader.parse(url, options: options, task: task) }

        let resolved = task ?? format.defaultTask
        func unsupported() -> FormatError {
            FormatError(
                name,
                "cannot read .\(format.rawValue) data for the \(resolved.rawValue) task; \(supportedTasks(of: format))")
        }
        let file = try DataFile(contentsOf: url)
        switch (format, resolved) {
        case (.csv, .classify), (.tsv, .classify):
            return try LabelTextLoader.parse(
                file, delimiter: format == .csv ? UInt8(ascii: ",") : UInt8(ascii: "\t"), options: options)
        case (.csv, .forecast), (.tsv, .forecast):
            return try TimeSeriesLoader.parse(
                file, delimiter: format == .csv ? UInt8(ascii: ",") : UInt8(ascii: "\t"), options: options,
                window: schema?.window ?? options.window, horizon: schema?.horizon ?? options.horizon)
        case (.conll, .tag):
            return try CoNLLLoader.parse(file, options: options)
        case (.ts, .classify):
            return try TSFileLoader.parse(file, options: options)
        case (.text, .languageModel):
            return try PlainTextLoader.parse(file, options: options)
        default:
            throw unsupported()
        }
    }

    /// Which tasks a format serves, for messages.
    private static func supportedTasks(of format: DataFormat) -> String {
        switch format {
        case .csv, .tsv: return "expected classify (label and text) or forecast (numeric columns)"
        case .conll: return "expected tag"
        case .ts: return "expected classify"
        case .text: return "expected language-model"
        case .npy: return "expected classify, tag or forecast"
        }
    }
}
