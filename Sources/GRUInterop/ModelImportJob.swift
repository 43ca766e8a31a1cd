import Foundation
import GRUFormats
import GRUNetworks
import GRUTraining

/// A `gru import` run: a model another framework wrote, as a model directory that `gru
/// evaluate`, `predict`, `generate` and `train --resume` accept.
public struct ModelImportJob {
    /// The file to import (.onnx or .keras).
    public var inputFile: URL
    /// The model directory to write.
    public var directory: ModelDirectory
    /// The class names, for files whose metadata has none.
    public var labels: [String]?

    /// A job importing `inputFile` into `directory`.
    public init(inputFile: URL, directory: ModelDirectory, labels: [String]? = nil) {
        self.inputFile = inputFile
        self.directory = directory
        self.labels = labels
    }

    /// Imports the model and writes the directory; nothing is written when the file cannot be
    /// imported.
    ///
    /// - Returns: the format read.
    /// - Throws: `GRUInputError` or `FormatError` naming the file and what it holds that GRUKit
    ///   cannot represent.
    @discardableResult
    public func run() throws -> ModelFileFormat {
        let format = try ModelFileFormat(path: inputFile.path)
        switch format {
        case .onnx:
            throw GRUInputError(.file(inputFile.path), found: "an .onnx input", expected: "ONNX import (to come)")
        case .keras:
            throw GRUInputError(.file(inputFile.path), found: "a .keras input", expected: "Keras import (to come)")
        }
    }
}
