import GRUNetworks
import GRUTraining

/// The model settings of a training run that a user gave, each nil when not given: the
/// `gru train` flags of the model group and their `--config` keys (`hidden_size` for
/// `hiddenSize`). Each is named as the field of `ModelConfiguration` it sets.
public struct ModelSettings: Codable, Equatable, Sendable {
    /// The recurrent cell (default the GRU).
    public var cell: RecurrentCellKind?
    /// The stack's hidden size H (default 64).
    public var hiddenSize: Int?
    /// Stacked GRU layers (default 1).
    public var layers: Int?
    /// Whether the GRU is bidirectional.
    public var bidirectional: Bool?
    /// The GRU formulation (default reset-after).
    public var variant: GRUVariant?
    /// The plain RNN's activation (default tanh).
    public var nonlinearity: RNNNonlinearity?
    /// The GRU's and LSTM's Keras `activation` (default tanh).
    public var activation: RecurrentActivation?
    /// The GRU's and LSTM's Keras `recurrent_activation` (default sigmoid).
    public var recurrentActivation: RecurrentActivation?
    /// The embedding size of token inputs (default min(H, 128)).
    public var embeddingSize: Int?
    /// How classify and forecast heads summarize the sequence (default the last state).
    public var pooling: SequencePooling.Mode?
    /// How fresh parameters are drawn (default PyTorch's).
    public var initialization: GRUInitialization?
    /// Whether the initial state is learned rather than zeros (default not).
    public var trainableInitialState: Bool?
    /// Dropout on the GRU's input.
    public var inputDropout: Float?
    /// Dropout between stacked GRU layers (PyTorch's `dropout`).
    public var layerDropout: Float?
    /// Variational dropout on the recurrent state (Keras's `recurrent_dropout`).
    public var recurrentDropout: Float?
    /// Dropout on the head's input.
    public var outputDropout: Float?
    /// Zoneout on the hidden state.
    public var zoneout: Float?
    /// DropConnect on the recurrent weights.
    public var weightDrop: Float?
    /// Seq2seq: how the decoder sees the source (default none: the context vector).
    public var attention: EncoderDecoderConfiguration.Attention?

    /// Settings that give nothing.
    public init() {}

    /// The model for data of `schema`: these settings over the defaults, the task, input and
    /// output sizes from the schema.
    public func configuration(for schema: DatasetSchema) -> ModelConfiguration {
        let tokens = schema.vocabulary?.count
        var defaults = ModelConfiguration(
            task: schema.task, vocabularySize: tokens, featureCount: tokens == nil ? schema.inputSize : nil,
            hiddenSize: 64, outputSize: schema.outputSize)
        defaults.embeddingSize = tokens == nil ? nil : min(hiddenSize ?? defaults.hiddenSize, 128)
        var configuration = overlaying(defaults, with: [self])
        // Feature input has no embedding, whatever was given (`inapplicableSetting` names it).
        if tokens == nil { configuration.embeddingSize = nil }
        return configuration
    }
}
