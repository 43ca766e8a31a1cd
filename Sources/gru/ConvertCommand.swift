import ArgumentParser
import Foundation
import GRUKit

/// The names `gru convert` writes.
enum ConvertNames: String, ExpressibleByArgument, CaseIterable {
    /// PyTorch `nn.GRU` state_dict names, GRUKit's own.
    case pytorch
    /// `mlx.nn.GRU` and mlx-swift's `MLXNN.GRU` names: Wx, Wh, b, bhn.
    case mlx
}

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract:
            "Convert a bare GRU between PyTorch names, MLX names (.safetensors), ONNX (.onnx) and Keras 3 (.keras, .weights.h5).",
        discussion: """
            The input's names are recognised by its keys: MLX's (Wx, Wh, b, bhn) or PyTorch's \
            (weight_ih_l0, ...). MLX holds one unidirectional reset-after layer; its b folds b_hh's \
            r and z parts into b_ih, so converting back gives them summed into bias_ih_l0 (the \
            outputs are the same). An .onnx file holds one standard GRU node per layer (opset 14, \
            linear_before_reset from the variant, inputs `input` (T, B, I) and `sequence_lens`, \
            outputs Y and Y_h); on input its nodes' linear_before_reset gives the variant. A .keras \
            input's config.json gives its GRU and Bidirectional(GRU) layers, which must form one \
            stack (tanh and sigmoid, the same units, reset_after and use_bias, no lone go_backwards); \
            its other layers are ignored with a note on stderr, as is a last layer without \
            return_sequences (Keras returns its final states: --final-state of gru forward). A bare .weights.h5 is read by its \
            paths (layers/gru, layers/gru_1, ... or layers/bidirectional, ...), the variant from the \
            bias's shape. A .keras output is a Sequential model keras.saving.load_model loads \
            (Input, then GRU or Bidirectional(GRU) layers returning sequences); a .weights.h5 output \
            holds the same weights. Keras's reset-before GRU has one bias: b_ih + b_hh goes there, and \
            comes back as b_ih (the outputs are the same).
            """
    )

    @Option(help: "The weights to convert (.safetensors with PyTorch or MLX names, .onnx, .keras or .weights.h5).")
    var input: String

    @Option(help: "Where to write the converted weights (.safetensors, .onnx, .keras or .weights.h5).")
    var output: String

    @Option(help: "The names a .safetensors output gets: pytorch or mlx.")
    var to: ConvertNames = .pytorch

    @Option(
        help:
            "reset-after or reset-before, only where the file does not say; default: the file's 'variant' metadata, else reset-after."
    )
    var variant: GRUVariant?

    func run() throws {
        try reportingErrors {
            try checkOutputPaths([("--output", output)], inputs: [("--input", input)])
            for path in [input, output] { try Self.checkConvertible(path) }
            let gru = try Self.load(URL(fileURLWithPath: input), variant: variant)
            let url = URL(fileURLWithPath: output)
            for suffix in [".onnx", ".keras", ".weights.h5"] where output.hasSuffix(suffix) && to != .pytorch {
                throw GRUInputError(
                    .setting("--to"), found: to.rawValue,
                    expected: "no --to for \(suffix == ".onnx" ? "an" : "a") \(suffix) output")
            }
            if output.hasSuffix(".onnx") {
                try ONNXGRU.model(of: gru.parameters, takesSequenceLengths: true).write(to: url)
                printStatus("ONNX GRU nodes -> \(output)", outputs: [output])
                return
            }
            if output.hasSuffix(".keras") {
                try KerasGRU.archive(of: gru.parameters).write(to: url)
                printStatus("Keras Sequential model -> \(output)", outputs: [output])
                return
            }
            if output.hasSuffix(".weights.h5") {
                try KerasGRU.weightsFile(of: gru.parameters).write(to: url)
                printStatus("Keras weights -> \(output)", outputs: [output])
                return
            }
            switch to {
            case .pytorch:
                try gru.save(to: url)
            case .mlx:
                guard gru.configuration.hasDefaultActivations else {
                    throw GRUInputError(
                        .setting("--to"),
                        found: "mlx for a GRU with activation \(gru.configuration.activation.kerasName)"
                            + " and recurrent activation \(gru.configuration.recurrentActivation.kerasName)",
                        expected: "--to pytorch: MLX's GRU computes tanh and sigmoid only")
                }
                let tensors: [(name: String, tensor: Tensor)]
                do {
                    tensors = try MLXGRUNames.namedTensors(of: gru.parameters)
                } catch let error as GRUInputError {
                    throw error.located(in: URL(fileURLWithPath: input).lastPathComponent)
                }
                try SafetensorsFile(tensors, fileName: url.lastPathComponent).write(to: url)
            }
            printStatus("\(to.rawValue) names -> \(output)", outputs: [output])
        }
    }

    /// The file name endings `gru convert` reads and writes.
    static let convertibleSuffixes = [".safetensors", ".onnx", ".keras", ".weights.h5"]

    /// Refuses a path whose format `gru convert` does not handle yet.
    static func checkConvertible(_ path: String) throws {
        guard !convertibleSuffixes.contains(where: path.hasSuffix) else { return }
        let name = URL(fileURLWithPath: path).lastPathComponent
        let found =
            name.contains(".")
            ? "extension ." + name.split(separator: ".").dropFirst().joined(separator: ".") : "no extension"
        throw GRUInputError(
            .file(path), found: found,
            expected:
                ".safetensors (PyTorch or MLX names), .onnx, .keras or .weights.h5, the formats gru convert handles")
    }

    /// The GRU in an .onnx, .keras or .weights.h5 file, or in a safetensors file with MLX names
    /// (recognised by `Wx` or `Wh`) or PyTorch names.
    static func load(_ url: URL, variant: GRUVariant?) throws -> GRU {
        let name = url.lastPathComponent
        if name.hasSuffix(".keras") || name.hasSuffix(".weights.h5") {
            let imported =
                name.hasSuffix(".keras")
                ? try KerasGRU.parameters(from: KerasArchive.read(contentsOf: url), name: name, variant: variant)
                : try KerasGRU.parameters(from: KerasWeightsFile.read(contentsOf: url), name: name, variant: variant)
            if !imported.ignoredLayers.isEmpty {
                let note =
                    "note: \(name): ignored the layers that are not the GRU stack: "
                    + imported.ignoredLayers.joined(separator: ", ") + "\n"
                FileHandle.standardError.write(Data(note.utf8))
            }
            if let layer = imported.finalStatesOnlyLayer {
                let note =
                    "note: \(name): layer '\(layer)' has return_sequences false: Keras returns only the final "
                    + "states, which gru forward writes with --final-state (its output holds every step)\n"
                FileHandle.standardError.write(Data(note.utf8))
            }
            return GRU(parameters: imported.parameters)
        }
        if url.pathExtension == "onnx" {
            let parameters = try ONNXGRU.parameters(from: ONNXModel.read(contentsOf: url))
            if let variant, variant != parameters.configuration.variant {
                throw GRUInputError(
                    .setting("--variant"), found: variant.rawValue,
                    expected: "\(parameters.configuration.variant.rawValue), what the GRU nodes of "
                        + "\(url.lastPathComponent) say (linear_before_reset)")
            }
            return GRU(parameters: parameters)
        }
        let file = try SafetensorsFile.read(contentsOf: url)
        guard MLXGRUNames.holdsMLXNames(file.names) else { return try GRU.load(contentsOf: url, variant: variant) }
        let tensors = try QuantizedTensors(reading: file).tensors
        do {
            return GRU(parameters: try MLXGRUNames.parameters(from: tensors, variant: variant ?? .resetAfter))
        } catch let error as GRUInputError {
            throw error.located(in: url.lastPathComponent)
        }
    }
}
