import GRUTraining

/// The data settings of a training run that a user gave, each nil when not given: the
/// `gru train` flags of the data group and their `--config` keys (`max_vocabulary` for
/// `maxVocabulary`). Each is named as the field of `DataOptions` (or, for
/// `validationFraction` and `maxLength`, of `TrainingOptions`) it sets, where its meaning and
/// default are documented.
public struct DataSettings: Codable, Equatable, Sendable {
    /// The task; nil takes it from the data format.
    public var task: SequenceTask?
    /// The file format; nil takes it from the file extension.
    public var format: DataFormat?
    /// Forecast: input steps per window.
    public var window: Int?
    /// Forecast: steps predicted per window.
    public var horizon: Int?
    /// Language model: steps per training sequence.
    public var sequenceLength: Int?
    /// The largest vocabulary, `<pad>` and `<unk>` included.
    public var maxVocabulary: Int?
    /// Tokens rarer than this become `<unk>`.
    public var minFrequency: Int?
    /// Whether .ts and .npy features are standardized (default true for training).
    public var normalize: Bool?
    /// Forecast: the columns predicted.
    public var targetColumns: [String]?
    /// The fraction of the training file held out when no validation file is given.
    public var validationFraction: Double?
    /// The most steps of a sequence; longer ones are cut (seq2seq: longer targets are skipped).
    public var maxLength: Int?
    /// Seq2seq: what a source token is (default characters).
    public var sourceTokens: Tokenizer.Unit?
    /// Seq2seq: what a target token is (default characters).
    public var targetTokens: Tokenizer.Unit?

    /// Settings that give nothing.
    public init() {}

    /// How to read the data files: these settings over the defaults, features standardized
    /// unless `normalize` is false.
    public var dataOptions: DataOptions {
        var defaults = DataOptions()
        defaults.normalize = true
        return overlaying(defaults, with: [self])
    }
}
