import GRUFormats
import GRUNetworks

/// The import of ONNX files that GRUKit itself wrote (metadata key `grukit.manifest`); written
/// on the onnx-export branch, a stub here.
public enum ONNXGRUKitGraphImport {
    /// The model and schema a GRUKit-written file holds.
    ///
    /// - Throws: `GRUInputError`, always, on this branch.
    public static func importedModel(from model: ONNXModel, labels: [String]?) throws -> ImportedModel {
        throw GRUInputError(
            .file(model.fileName), found: "a file GRUKit wrote (grukit.manifest)", expected: "not on this branch")
    }
}
