import ArgumentParser
import Foundation
import GRUKit

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write freshly initialized GRU weights (.safetensors, PyTorch names)."
    )

    @Option(help: "Features per input step, I.") var inputSize: Int
    @Option(help: "Hidden features per direction, H.") var hiddenSize: Int
    @Option(help: "Stacked layers.") var layers = 1
    @Flag(help: "Add a reverse-time direction to every layer.") var bidirectional = false
    @Flag(help: "Leave out the bias vectors.") var noBias = false
    @Option(help: "reset-after or reset-before.") var variant: GRUVariant = .resetAfter
    @Option(help: "pytorch (uniform +-1/sqrt(H)) or keras (Glorot, orthogonal, zero bias).")
    var initialization: GRUInitialization = .pytorch
    @Option(help: "Random seed; the same seed gives the same weights.") var seed: UInt64 = 0
    @Option(help: "Where to write the weights (.safetensors).") var output: String

    func validate() throws {
        for (name, value) in [("--input-size", inputSize), ("--hidden-size", hiddenSize), ("--layers", layers)]
        where value < 1 {
            throw ValidationError("\(name) must be at least 1, got \(value)")
        }
    }

    func run() throws {
        try reportingErrors {
            try checkPathsNotEmpty([("--output", output)])
            let configuration = GRUConfiguration(
                inputSize: inputSize, hiddenSize: hiddenSize, layerCount: layers,
                isBidirectional: bidirectional, hasBias: !noBias, variant: variant)
            // The float32 values, and the file's bytes made from them.
            try checkFitsInMemory(
                bytes: CheckedArithmetic.product(8, configuration.parameterCountIfRepresentable),
                "a GRU with --input-size \(inputSize), --hidden-size \(hiddenSize) and --layers \(layers)")
            let gru = GRU(configuration: configuration, initialization: initialization, seed: seed)
            try gru.save(to: URL(fileURLWithPath: output))
            print(
                "\(gru.parameters.values.count) parameters (\(variant.rawValue), \(initialization.rawValue) initialization) -> \(output)"
            )
        }
    }
}
