import ArgumentParser
import GRUKit

extension SequenceTask: ExpressibleByArgument {}
extension Tokenizer.Unit: ExpressibleByArgument {}
extension DataFormat: ExpressibleByArgument {}

/// The `gru train` flags of how the data is read and split, named as the fields of
/// `DataSettings`.
struct DataFlags: SettingsFlags {
    typealias Settings = DataSettings

    @Option(
        help:
            "The task: classify, tag, forecast, language-model or seq2seq (source TAB target pairs). Default: from the data format."
    )
    var task: SequenceTask?
    @Option(help: "Force the data format: ts, csv, tsv, conll, txt, npy.") var format: DataFormat?
    @Option(help: "Forecast: input steps per window (default 24).") var window: Int?
    @Option(help: "Forecast: steps predicted per window (default 1).") var horizon: Int?
    @Option(help: "Language model: steps per training sequence (default 100).") var sequenceLength: Int?
    @Option(help: "Largest vocabulary, <pad> and <unk> included.") var maxVocabulary: Int?
    @Option(help: "Tokens rarer than this become <unk> (default 1).") var minFrequency: Int?
    @Flag(inversion: .prefixedNo, help: "Standardize .ts and .npy features with training statistics (default on).")
    var normalize: Bool?
    @Option(help: "Forecast: the columns to predict, comma-separated (default every input column).")
    var targetColumns: NameList?
    @Option(help: "Validation fraction when no --validation file is given (default 0.1).") var validationFraction:
        Double?
    @Option(help: "Cut sequences to at most this many steps (seq2seq: skip longer targets).") var maxLength: Int?
    @Option(
        help:
            "Seq2seq: source tokens, characters (default) or whitespace (space-separated); or features: each source is feature vectors, ';' between steps and spaces between a step's values."
    )
    var sourceTokens: Tokenizer.Unit?
    @Option(help: "Seq2seq: target tokens, characters (default) or whitespace (space-separated).")
    var targetTokens: Tokenizer.Unit?
}
