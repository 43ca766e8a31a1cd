import Foundation
import GRUFormats
import GRUNetworks
import GRUTraining

/// A `gru import` run: a model another framework wrote, as a model directory that `gru
/// evaluate`, `predict`, `generate` and `train --resume` accept.
///
/// The directory is what `gru train` leaves before its first epoch would end: model.json with
/// the default training and data options, or the whole manifest a file records
/// (`ImportedModel.manifest`, from `gru export`'s .onnx and .keras files), so --resume trains
/// with them (.npy data is read as the importer names its features and classes);
/// weights.safetensors; and a checkpoint at epoch 0 with a fresh optimizer, an empty log and
/// curve. It is written only once the whole file is
/// imported, as one set (`CheckpointWriter`), so a file that cannot be imported leaves nothing.
public struct ModelImportJob {
    /// The file to import (.onnx or .keras).
    public var inputFile: URL
    /// The model directory to write.
    public var directory: ModelDirectory
    /// The class names, for files whose metadata has none.
    public var labels: [String]?
    /// The feature names, replacing the importer's: `train --resume` continues only on data
    /// whose schema is the saved one, and each loader names features its own way (.npy
    /// `feature1`..., as ONNX import does; .ts `dimension1`...).
    public var featureNames: [String]?
    /// The task, for a Keras file whose layers leave it open (a language model reads like a
    /// tagger); nil infers it. An ONNX graph's head fixes its task, which this must then name.
    public var task: SequenceTask?

    /// A job importing `inputFile` into `directory`.
    public init(
        inputFile: URL, directory: ModelDirectory, labels: [String]? = nil, featureNames: [String]? = nil,
        task: SequenceTask? = nil
    ) {
        self.inputFile = inputFile
        self.directory = directory
        self.labels = labels
        self.featureNames = featureNames
        self.task = task
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
        var imported: ImportedModel
        switch format {
        case .onnx:
            let model = try ONNXModel.read(contentsOf: inputFile)
            imported =
                ONNXGRUKitGraphImport.isGRUKitGraph(model)
                ? try ONNXGRUKitGraphImport.importedModel(from: model, labels: labels)
                : try ONNXTorchGraphImport.importedModel(from: model, labels: labels)
        case .keras:
            imported = try KerasModelImport(
                archive: KerasArchive.read(contentsOf: inputFile), fileName: inputFile.path, labels: labels,
                task: task
            ).importedModel()
        }
        if let task, task != imported.model.configuration.task {
            throw GRUInputError(
                .setting("--task"), found: task.rawValue,
                expected: "\(imported.model.configuration.task.rawValue), the task of the model in \(inputFile.path)")
        }
        if let featureNames { imported.schema.featureNames = try checked(featureNames, for: imported.model) }
        try save(imported)
        return format
    }

    /// `names`, one per feature `model` reads.
    ///
    /// - Throws: `GRUInputError` for `--feature-names` when the model reads tokens or the count differs.
    private func checked(_ names: [String], for model: SequenceModel) throws -> [String] {
        guard let featureCount = model.configuration.featureCount else {
            throw GRUInputError(
                .setting("--feature-names"), found: "names for a model that reads tokens",
                expected: "none (its vocabulary names its inputs)")
        }
        guard names.count == featureCount else {
            throw GRUInputError(
                .setting("--feature-names"), found: "\(names.count) names",
                expected: "\(featureCount), one per feature the model reads")
        }
        return names
    }

    /// Writes `imported` as an untrained run's directory (see the type's documentation).
    func save(_ imported: ImportedModel) throws {
        var dataOptions = DataOptions()
        dataOptions.task = imported.schema.task
        // A file GRUKit exported records its whole manifest: the directory comes back as it was.
        var manifest =
            imported.manifest
            ?? ModelDirectory.Manifest(
                model: imported.model.configuration, training: TrainingOptions(), dataOptions: dataOptions,
                data: imported.schema)
        manifest.data = imported.schema  // with --labels and --feature-names applied
        let training = manifest.training
        let checkpoint = TrainingCheckpoint(
            model: imported.model, bestParameters: nil, optimizer: OptimizerState(stepCount: 0, buffers: [:]),
            state: TrainingState(learningRate: training.learningRate))
        let writer = try CheckpointWriter(directory: directory)
        try writer.save(
            checkpoint, manifest: manifest,
            title: "GRUKit \(imported.schema.task.rawValue): imported from \(inputFile.lastPathComponent)")
    }
}
