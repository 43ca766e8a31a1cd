import Foundation
import GRUNetworks
import GRUTraining

/// A `gru train` run: takes the model directory, reads the data, builds or restores the model,
/// and hands back a run ready to start, whose writer saves the configuration with the first
/// checkpoint.
public struct TrainingJob {
    /// The settings given on the command line and in the config file.
    public var recipe: TrainingRecipe
    /// The training data file.
    public var trainingFile: URL
    /// The validation file; nil holds out `validation_fraction` of the training file.
    public var validationFile: URL?
    /// Where the model, checkpoints and logs go.
    public var directory: ModelDirectory
    /// Continue the run whose checkpoint is in `directory`.
    public var resume: Bool
    /// The processes training together (data parallel, such as an MPI job): each prepares the
    /// same job, trains on its rows of every batch, and process 0 alone writes `directory`.
    public var group: any ProcessGroup

    /// A job with the given files and settings.
    public init(
        recipe: TrainingRecipe, trainingFile: URL, validationFile: URL?, directory: ModelDirectory, resume: Bool,
        group: any ProcessGroup = SingleProcess()
    ) {
        self.recipe = recipe
        self.trainingFile = trainingFile
        self.validationFile = validationFile
        self.directory = directory
        self.resume = resume
        self.group = group
    }

    /// A run ready to start: the trainer, and the writer that saves its checkpoints.
    public struct Prepared {
        /// The trainer, fresh or restored from the checkpoint.
        public let trainer: Trainer
        /// The configuration written with every checkpoint.
        public let manifest: ModelDirectory.Manifest
        /// The training data.
        public let training: SequenceDataset
        /// The validation data, when there is any.
        public let validation: SequenceDataset?
        /// The model directory's writer, which holds its lock until this value is released;
        /// nil on the processes of a group other than process 0, which write nothing.
        public let writer: CheckpointWriter?

        /// Trains the remaining epochs, saving each epoch's checkpoint in the model directory
        /// before `report` hears of the epoch.
        public func run(_ report: (Trainer.Event) -> Void = { _ in }) throws {
            let title = "GRUKit \(manifest.model.task.rawValue): \(training.source)"
            try trainer.run { event in
                if case .checkpoint(let checkpoint) = event {
                    try writer?.save(checkpoint, manifest: manifest, title: title)
                }
                report(event)
            }
        }
    }

    /// Takes the model directory, loads the data and the model (fresh, or from the checkpoint
    /// when resuming).
    public func prepare() throws -> Prepared {
        // Before anything is read: another run writing the directory would interleave its files.
        // Process 0 alone writes; the others read once it has finished an interrupted save.
        let writer = group.rank == 0 ? try CheckpointWriter(directory: directory) : nil
        try group.barrier()
        if resume { return try prepareResumed(writer) }
        let options = recipe.trainingOptions
        try options.validate()
        let dataOptions = recipe.dataOptions
        let (training, validation) = try loadData(dataOptions, options)
        if let inapplicable = recipe.inapplicableSetting(for: training.schema, file: trainingFile.lastPathComponent) {
            throw inapplicable
        }
        let model = recipe.modelConfiguration(for: training.schema)
        try model.validate()
        let manifest = ModelDirectory.Manifest(
            model: model, training: options, dataOptions: dataOptions, data: training.schema)
        let trainer = try Trainer(
            model: SequenceModel(configuration: model, seed: options.seed), options: options, training: training,
            validation: validation, group: group)
        return Prepared(
            trainer: trainer, manifest: manifest, training: training, validation: validation, writer: writer)
    }

    /// Continues the run checkpointed in the directory that `writer` holds, with its settings.
    private func prepareResumed(_ writer: CheckpointWriter?) throws -> Prepared {
        guard directory.hasCheckpoint else {
            throw GRUInputError(
                .file(directory.url.path), found: "no checkpoint to resume",
                expected: "checkpoint.safetensors from an earlier gru train")
        }
        var manifest = try directory.loadManifest()
        // A resumed run keeps its settings; only a longer run may be asked for.
        if let conflict = recipe.conflict(withResumed: manifest) {
            throw GRUInputError(
                .setting("--resume"), found: "\(conflict) was given",
                expected: "no other setting: --resume continues the checkpointed run with its own settings; "
                    + "leave it out, or train a new model in another directory")
        }
        if let epochs = recipe.optimization.epochs { manifest.training.epochs = epochs }
        let (training, validation) = try loadData(manifest.dataOptions, manifest.training)
        guard training.schema == manifest.data else {
            throw GRUInputError(
                .file(trainingFile.path), found: "training data that differs from the checkpoint's",
                expected: "the data the checkpoint in \(directory.url.path) was trained on")
        }
        let trainer = try Trainer(
            model: SequenceModel(configuration: manifest.model, seed: manifest.training.seed),
            options: manifest.training,
            training: training, validation: validation, group: group)
        try trainer.resume(from: directory.loadCheckpoint(configuration: manifest.model))
        return Prepared(
            trainer: trainer, manifest: manifest, training: training, validation: validation, writer: writer)
    }

    private func loadData(_ dataOptions: DataOptions, _ options: TrainingOptions) throws -> (
        SequenceDataset, SequenceDataset?
    ) {
        if let validationFile {
            let training = try DataLoader.load(trainingFile, options: dataOptions)
            let validation = try DataLoader.load(validationFile, options: dataOptions, schema: training.schema)
            return (training, validation)
        }
        let split = try DataLoader.loadSplit(
            trainingFile, validationFraction: options.validationFraction, seed: options.seed, options: dataOptions)
        return (split.training, split.validation)
    }
}
