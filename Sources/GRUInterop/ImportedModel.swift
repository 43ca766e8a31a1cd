import GRUTraining

/// What an importer reads from a file: the model with its weights, and what it knows of the
/// data the model was made for (labels, vocabulary, normalization), which `ModelImportJob`
/// writes into a model directory.
public struct ImportedModel: Sendable {
    /// The model, its configuration and parameters.
    public var model: SequenceModel
    /// The data schema: from the file's metadata where it has one, else what the flags give.
    public var schema: DatasetSchema
    /// The whole model directory manifest (training and data options too) when the file
    /// records it, as GRUKit's own exports do; nil for files other tools wrote.
    public var manifest: ModelDirectory.Manifest?

    /// An imported model of the given parts.
    public init(model: SequenceModel, schema: DatasetSchema, manifest: ModelDirectory.Manifest? = nil) {
        self.model = model
        self.schema = schema
        self.manifest = manifest
    }
}
