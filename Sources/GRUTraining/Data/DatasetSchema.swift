/// What a model needs to know about its data, fitted on the training data and reused for
/// validation, test and prediction data: the task, the input vocabulary or features, and the
/// classes or forecast targets.
///
/// Saved in the model directory as JSON. Exactly one of `vocabulary` (token inputs) and
/// `featureNames` (feature inputs) is set; `labels` is set for classify and tag, `targetNames`
/// and `horizon` for forecast.
public struct DatasetSchema: Sendable, Equatable, Codable {
    /// The task the data is prepared for.
    public var task: SequenceTask
    /// The input tokens (text classification, tagging, language models); nil for feature inputs.
    public var vocabulary: Vocabulary?
    /// How text was split into tokens; nil for feature inputs and pre-split CoNLL tokens.
    public var tokenizer: Tokenizer?
    /// The name of each input feature (column names, `dimension1`..., `feature1`...); nil for tokens.
    public var featureNames: [String]?
    /// The standardization applied to the input features; nil when they are used as they are.
    public var featureNormalization: FeatureNormalization?
    /// The classes of classify and tag data; nil otherwise.
    public var labels: LabelSet?
    /// The forecast target columns, in output order; nil for other tasks.
    public var targetNames: [String]?
    /// The standardization of the forecast targets, inverted by `denormalized` to report forecasts
    /// in the data's units; nil when targets are used as they are.
    public var targetNormalization: FeatureNormalization?
    /// The number of input steps of each forecast window; nil for other tasks.
    public var window: Int?
    /// The number of future steps each forecast predicts; nil for other tasks.
    public var horizon: Int?

    /// A schema with the given parts; see the properties for which are set for which task.
    public init(
        task: SequenceTask, vocabulary: Vocabulary? = nil, tokenizer: Tokenizer? = nil,
        featureNames: [String]? = nil, featureNormalization: FeatureNormalization? = nil,
        labels: LabelSet? = nil, targetNames: [String]? = nil,
        targetNormalization: FeatureNormalization? = nil, window: Int? = nil, horizon: Int? = nil
    ) {
        self.task = task
        self.vocabulary = vocabulary
        self.tokenizer = tokenizer
        self.featureNames = featureNames
        self.featureNormalization = featureNormalization
        self.labels = labels
        self.targetNames = targetNames
        self.targetNormalization = targetNormalization
        self.window = window
        self.horizon = horizon
    }

    /// The model's input size: the vocabulary's size (embedding rows) or the feature count.
    public var inputSize: Int {
        vocabulary?.count ?? featureNames?.count ?? 0
    }

    /// The model's output size: the class count (classify, tag), the vocabulary size (language
    /// model), or horizon times target count (forecast).
    public var outputSize: Int {
        switch task {
        case .classify, .tag: return labels?.count ?? 0
        case .languageModel: return vocabulary?.count ?? 0
        case .forecast: return (horizon ?? 1) * (targetNames?.count ?? 0)
        case .seq2seq: return 0
        }
    }
}
