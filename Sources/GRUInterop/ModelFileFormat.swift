import GRUNetworks

/// The formats a whole model directory is exported to and imported from, told by the file's
/// name as `gru export` and `gru import` tell them.
public enum ModelFileFormat: String, CaseIterable, Sendable {
    /// An ONNX graph: one standard `GRU` node per layer and the head as standard operators.
    case onnx
    /// A Keras 3 archive: a zip of `config.json`, `metadata.json` and `model.weights.h5`.
    case keras

    /// The format `path` names by its extension.
    ///
    /// - Throws: `GRUInputError` naming the path when its extension is neither.
    public init(path: String) throws {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if name.hasSuffix(".onnx") {
            self = .onnx
        } else if name.hasSuffix(".keras") {
            self = .keras
        } else {
            let found =
                name.contains(".")
                ? "extension ." + name.split(separator: ".").dropFirst().joined(separator: ".")
                : "no extension"
            throw GRUInputError(.file(path), found: found, expected: ".onnx or .keras")
        }
    }
}
