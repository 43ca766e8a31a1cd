/// How to read a data file: the format, the task, and each format's settings.
///
/// The defaults suit the common case; the CLI maps its flags onto these fields, and stores them
/// with the model so evaluation and prediction read their files the same way as training did.
public struct DataOptions: Sendable, Equatable, Codable {
    /// The largest window, horizon, sequence length or batch size accepted, 2^30: larger
    /// values are typing mistakes, and near Int.max the arithmetic on them would overflow.
    public static let largestCount = 1 << 30

    /// The file format; nil takes it from the file extension.
    public var format: DataFormat?
    /// The task; nil takes the format's default (classify for .csv, .tsv, .ts; tag for .conll;
    /// language-model for .txt; .npy follows the shape and type of y). `.forecast` makes a .csv
    /// or .tsv file a numeric time series.
    public var task: SequenceTask?

    // MARK: Text (.csv, .tsv, .txt, .conll)

    /// Whether the first row of a .csv or .tsv file is a header.
    public var header: HeaderPolicy
    /// The header name of the label column of label-and-text files.
    public var labelColumn: String
    /// The header name of the text column of label-and-text files.
    public var textColumn: String
    /// How text is split into tokens; nil uses `Tokenizer.words` for label-and-text files and
    /// `Tokenizer.characters` for language models. CoNLL tokens are kept as they are, lowercased
    /// only when this tokenizer lowercases.
    public var tokenizer: Tokenizer?
    /// The most token ids, `<pad>` and `<unk>` included; nil keeps every token.
    public var maxVocabulary: Int?
    /// Tokens seen fewer times than this in the training data become `<unk>`.
    public var minFrequency: Int

    // MARK: Time series (forecast from .csv or .tsv)

    /// The number of input steps in each forecast window.
    public var window: Int
    /// The number of future steps each window predicts.
    public var horizon: Int
    /// The columns the model reads; nil reads every numeric column.
    public var inputColumns: [String]?
    /// The columns the model predicts; nil predicts every input column.
    public var targetColumns: [String]?

    // MARK: Language models (.txt)

    /// The number of input steps of each language-model sequence (each holds one more token, the
    /// last target).
    public var sequenceLength: Int

    // MARK: Features (.ts, .npy)

    /// Whether .ts and .npy features are standardized with statistics fitted on the training data.
    /// Forecast data is always standardized.
    public var normalize: Bool

    // MARK: Arrays (.npy)

    /// The path of the y array; nil finds it beside X (see `NpyDatasetLoader`).
    public var targetsPath: String?
    /// The path of the lengths array; nil finds it beside X when it exists.
    public var lengthsPath: String?

    // MARK: Labels

    /// Whether every example needs a target (true: training and evaluation). False lets
    /// prediction read new, unlabelled files: label-and-text files with only a text column,
    /// .ts files that declare `@classLabel false`, and CoNLL files with a token only per line
    /// give examples whose target is `SequenceTarget.none`; files that have labels are read as
    /// usual. Time series give every window without a target, including the last `window` rows,
    /// whose forecast lies past the file's end. Not saved with the model: each read chooses it.
    public var requiresTargets = true

    /// The default options: format and task from the file, automatic header detection, columns
    /// `label` and `text`, no vocabulary limits, windows of 24 steps predicting 1, language-model
    /// sequences of 100 steps, features as they are.
    public init(
        format: DataFormat? = nil, task: SequenceTask? = nil, header: HeaderPolicy = .automatic,
        labelColumn: String = "label", textColumn: String = "text", tokenizer: Tokenizer? = nil,
        maxVocabulary: Int? = nil, minFrequency: Int = 1, window: Int = 24,
        horizon: Int = 1, inputColumns: [String]? = nil, targetColumns: [String]? = nil,
        sequenceLength: Int = 100, normalize: Bool = false, targetsPath: String? = nil,
        lengthsPath: String? = nil
    ) {
        self.format = format
        self.task = task
        self.header = header
        self.labelColumn = labelColumn
        self.textColumn = textColumn
        self.tokenizer = tokenizer
        self.maxVocabulary = maxVocabulary
        self.minFrequency = minFrequency
        self.window = window
        self.horizon = horizon
        self.inputColumns = inputColumns
        self.targetColumns = targetColumns
        self.sequenceLength = sequenceLength
        self.normalize = normalize
        self.targetsPath = targetsPath
        self.lengthsPath = lengthsPath
    }

    // `requiresTargets` is left out: a model's stored options always read labelled data.
    private enum CodingKeys: String, CodingKey {
        case format, task, header, labelColumn, textColumn, tokenizer, maxVocabulary, minFrequency
        case window, horizon, inputColumns, targetColumns, sequenceLength, normalize, targetsPath, lengthsPath
    }
}

/// Whether the first row of a .csv or .tsv file names its columns.
public enum HeaderPolicy: String, Sendable, Codable, CaseIterable {
    /// Label-and-text files: a header when the first row holds both column names
    /// (case-insensitively). Time series: a header when any field of the first row is not a number.
    case automatic
    /// The first row is a header.
    case present
    /// The first row is data.
    case absent
}
