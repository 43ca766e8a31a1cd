import ArgumentParser
import GRUKit

extension SequencePooling.Mode: ExpressibleByArgument {}

/// The `gru train` flags of the model, named as the fields of `ModelSettings`.
struct ModelFlags: SettingsFlags {
    typealias Settings = ModelSettings

    @Option(help: "GRU hidden size (default 64).") var hiddenSize: Int?
    @Option(help: "Stacked GRU layers (default 1).") var layers: Int?
    @Flag(help: "Bidirectional GRU.") var bidirectional = false
    @Option(help: "reset-after (default) or reset-before.") var variant: GRUVariant?
    @Option(help: "Embedding size for token inputs (default min(hidden, 128)).") var embeddingSize: Int?
    @Option(help: "Sequence summary for classify and forecast: lastState (default) or mean.") var pooling:
        SequencePooling.Mode?
    @Option(help: "pytorch (default) or keras initialization.") var initialization: GRUInitialization?
    @Option(help: "Dropout on the GRU input.") var inputDropout: Float?
    @Option(help: "Dropout between stacked GRU layers (PyTorch's dropout).") var layerDropout: Float?
    @Option(help: "Variational dropout on the recurrent state (Keras's recurrent_dropout).") var recurrentDropout:
        Float?
    @Option(help: "Dropout before the output layer.") var outputDropout: Float?
}
