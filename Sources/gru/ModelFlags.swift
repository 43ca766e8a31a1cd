import ArgumentParser
import GRUKit

extension SequencePooling.Mode: ExpressibleByArgument {}
extension RecurrentCellKind: ExpressibleByArgument {}
extension RNNNonlinearity: ExpressibleByArgument {}
extension EncoderDecoderConfiguration.Attention: ExpressibleByArgument {}

extension RecurrentActivation: ExpressibleByArgument {
    /// A Keras name (`hard_sigmoid`) or an ONNX one (`HardSigmoid`).
    public init?(argument: String) {
        guard let activation = try? RecurrentActivation(parsing: argument) else { return nil }
        self = activation
    }
}

/// The `gru train` flags of the model, named as the fields of `ModelSettings`.
struct ModelFlags: SettingsFlags {
    typealias Settings = ModelSettings

    @Option(
        help: "The recurrent cell: \(RecurrentCellKind.allCases.map(\.rawValue).joined(separator: ", ")) (default gru)."
    )
    var cell: RecurrentCellKind?
    @Option(help: "Hidden size (default 64).") var hiddenSize: Int?
    @Option(help: "Stacked recurrent layers (default 1).") var layers: Int?
    @Flag(help: "Bidirectional recurrent layers.") var bidirectional = false
    @Option(help: "The GRU's formulation: reset-after (default) or reset-before.") var variant: GRUVariant?
    @Option(help: "The plain RNN's activation (--cell rnn): tanh (default) or relu.") var nonlinearity: RNNNonlinearity?
    @Option(
        help:
            "The GRU's candidate / LSTM's cell activation, Keras's activation (--cell gru, lstm): \(activationNames) (default tanh)."
    )
    var activation: RecurrentActivation?
    @Option(
        help:
            "The GRU's / LSTM's gate activation, Keras's recurrent_activation (--cell gru, lstm): \(activationNames) (default sigmoid)."
    )
    var recurrentActivation: RecurrentActivation?
    @Option(help: "Embedding size for token inputs (default min(hidden, 128)).") var embeddingSize: Int?
    @Option(help: "Seq2seq: none (the context vector, default), additive (Bahdanau) or multiplicative (Luong).")
    var attention: EncoderDecoderConfiguration.Attention?
    @Option(help: "Sequence summary for classify and forecast: lastState (default) or mean.") var pooling:
        SequencePooling.Mode?
    @Option(help: "pytorch (default) or keras initialization.") var initialization: GRUInitialization?
    @Flag(
        name: .customLong("trainable-initial-state"),
        help: "Learn the initial state (per layer and direction) instead of starting from zeros.")
    var trainableInitialState = false
    @Option(help: "Dropout on the recurrent stack's input.") var inputDropout: Float?
    @Option(help: "Dropout between stacked layers (PyTorch's dropout).") var layerDropout: Float?
    @Option(help: "Variational dropout on the recurrent state (Keras's recurrent_dropout).") var recurrentDropout:
        Float?
    @Option(help: "Dropout before the output layer.") var outputDropout: Float?
    @Option(
        help:
            "Zoneout: the probability that a unit keeps its previous state at a step (inference takes the expectation)."
    )
    var zoneout: Float?
    @Option(help: "Weight-drop: DropConnect on the recurrent weights W_hh, one mask per batch.") var weightDrop: Float?
}

/// The activations' Keras names, for the help.
private let activationNames = RecurrentActivation.allCases.map(\.kerasName).joined(separator: ", ")
