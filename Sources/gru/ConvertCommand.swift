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
        abstract: "Convert a bare GRU's weights between PyTorch and MLX names (.safetensors).",
        discussion: """
            The input's names are recognised by its keys: MLX's (Wx, Wh, b, bhn) or PyTorch's \
            (weight_ih_l0, ...). MLX holds one unidirectional reset-after layer; its b folds b_hh's \
            r and z parts into b_ih, so converting back gives them summed into bias_ih_l0 (the \
            outputs are the same). Only .safetensors converts today.
            """
    )

    @Option(help: "The weights to convert (.safetensors, PyTorch or MLX names).")
    var input: String

    @Option(help: "Where to write the converted weights (.safetensors).")
    var output: String

    @Option(help: "The names to write: pytorch or mlx.")
    var to: ConvertNames = .pytorch

    @Option(help: "reset-after or reset-before; default: the file's 'variant' metadata, else reset-after.")
    var variant: GRUVariant?

    func run() throws {
        try reportingErrors {
            try checkOutputPaths([("--output", output)], inputs: [("--input", input)])
            for path in [input, output] { try Self.checkConvertible(path) }
            let gru = try Self.load(URL(fileURLWithPath: input), variant: variant)
            let url = URL(fileURLWithPath: output)
            switch to {
            case .pytorch:
                try gru.save(to: url)
            case .mlx:
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

    /// Refuses a path whose format `gru convert` does not handle yet.
    static func checkConvertible(_ path: String) throws {
        guard !path.hasSuffix(".safetensors") else { return }
        let name = URL(fileURLWithPath: path).lastPathComponent
        let found =
            name.contains(".")
            ? "extension ." + name.split(separator: ".").dropFirst().joined(separator: ".") : "no extension"
        throw GRUInputError(
            .file(path), found: found,
            expected: ".safetensors (PyTorch or MLX names), the only format gru convert handles today")
    }

    /// The GRU in a safetensors file with MLX names (recognised by `Wx` or `Wh`) or PyTorch names.
    static func load(_ url: URL, variant: GRUVariant?) throws -> GRU {
        let file = try SafetensorsFile.read(contentsOf: url)
        guard MLXGRUNames.holdsMLXNames(file.names) else { return try GRU.load(contentsOf: url, variant: variant) }
        let tensors = Dictionary(uniqueKeysWithValues: file.names.map { ($0, file[$0]!) })
        do {
            return GRU(parameters: try MLXGRUNames.parameters(from: tensors, variant: variant ?? .resetAfter))
        } catch let error as GRUInputError {
            throw error.located(in: url.lastPathComponent)
        }
    }
}
