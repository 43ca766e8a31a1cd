import Foundation
import GRUFormats
import GRUNetworks
import GRUTraining

/// A `gru export` run: the trained model in a model directory as one file another framework
/// runs, its format told by the output's name (see `ModelFileFormat`).
public struct ModelExportJob {
    /// The model directory written by `gru train` or `gru import`.
    public var directory: ModelDirectory
    /// Where the exported file goes (written atomically).
    public var outputFile: URL

    /// A job writing the model in `directory` to `outputFile`.
    public init(directory: ModelDirectory, outputFile: URL) {
        self.directory = directory
        self.outputFile = outputFile
    }

    /// Exports the model.
    ///
    /// - Returns: the format written.
    /// - Throws: `GRUInputError` or `FormatError` naming the directory, the output or the part
    ///   of the model the format cannot represent.
    @discardableResult
    public func run() throws -> ModelFileFormat {
        let format = try ModelFileFormat(path: outputFile.path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.url.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw FormatError(
                directory.url.relativePath, "no such model directory; expected a directory written by gru train")
        }
        let (model, manifest) = try directory.loadModel()
        // The exports write GRU layers and nodes; the other cells' are not written yet.
        let configuration = manifest.model
        guard configuration.cell == .gru, !configuration.trainableInitialState, configuration.zoneout == 0 else {
            let found =
                configuration.cell != .gru
                ? "a model of \(configuration.cell.displayName) cells"
                : configuration.trainableInitialState ? "a model with a trained initial state" : "a model with zoneout"
            throw FormatError(
                directory.url.relativePath,
                "\(found); expected a GRU model without a trained initial state or zoneout, the models that \(format.rawValue) export writes"
            )
        }
        switch format {
        case .onnx:
            var onnx = try ONNXModelExport.model(of: model, manifest: manifest)
            onnx.fileName = outputFile.path
            try onnx.write(to: outputFile)
        case .keras:
            try KerasModelExport.archive(of: model, manifest: manifest).write(to: outputFile)
        }
        return format
    }
}
