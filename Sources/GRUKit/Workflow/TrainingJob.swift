import Foundation

/// A `gru train` run: reads the data, builds or restores the model, and hands back a trainer
/// ready to run, which writes the model directory's configuration with its first checkpoint.
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

    /// A job with the given files and settings.
    public init(recipe: TrainingRecipe, trainingFile: URL, validationFile: URL?, directory: ModelDirectory, resume: Bool) {
        self.recipe = recipe
        self.trainingFile = trainingFile
        self.validationFile = validationFile
        self.directory = directory
        self.resume = resume
    }

    /// What `prepare` returns.
    public struct Prepared {
        public let trainer: Trainer
        public let manifest: ModelDirectory.Manifest
        public let training: SequenceDataset
        public let validation: SequenceDataset?
    }

    /// Loads the data and the model (fresh, or from the checkpoint when resuming).
    public func prepare() throws -> Prepared {
        // Before anything is read: another run writing the directory would interleave its files.
        let lock = FileManager.default.fileExists(atPath: directory.url.path) ? try ModelDirectoryLock(directory.url) : nil
        if lock != nil { try directory.finishInterruptedSave() }
        try directory.checkSetIsReplaceable()
        var manifest: ModelDirectory.Manifest
        if resume {
            guard directory.hasCheckpoint else {
                throw GRUInputError(
                    .file(directory.url.path), found: "no checkpoint to resume",
                    expected: "checkpoint.safetensors from an earlier gru train")
            }
            manifest = try directory.loadManifest()
            // A resumed run keeps its settings; only a longer run may be asked for.
            if let conflict = recipe.conflict(withResumed: manifest) {
                throw GRUInputError(
                    .setting("--resume"), found: "\(conflict) was given",
                    expected: "no other setting: --resume continues the checkpointed run with its own settings; leave it out, or train a new model in another directory")
            }
            if let epochs = recipe.optimization.epochs { manifest.training.epochs = epochs }
        } else {
            let options = recipe.trainingOptions
            try options.validate()
            let placeholder = DatasetSchema(task: recipe.data.task ?? .classify)
            manifest = ModelDirectory.Manifest(
                model: recipe.modelConfiguration(for: placeholder), training: options,
                dataOptions: recipe.dataOptions, data: placeholder)
        }
        let (training, validation) = try loadData(manifest)
        if resume {
            guard training.schema == manifest.data else {
                throw GRUInputError(
                    .file(trainingFile.path), found: "training data that differs from the checkpoint's",
                    expected: "the data the checkpoint in \(directory.url.path) was trained on")
            }
        } else {
            if let inapplicable = recipe.inapplicableSetting(for: training.schema, file: trainingFile.lastPathComponent) {
                throw inapplicable
            }
            manifest.data = training.schema
            manifest.model = recipe.modelConfiguration(for: training.schema)
            try manifest.model.validate()
        }
        let model = try SequenceModel(configuration: manifest.model, seed: manifest.training.seed)
        let trainer = try Trainer(
            model: model, options: manifest.training, training: training, validation: validation, directory: directory)
        if resume {
            try trainer.resume(from: directory.loadCheckpoint(configuration: manifest.model))
        }
        // Written with the first epoch's checkpoint, not now: a run that fails or is stopped
        // before then leaves a directory that holds an earlier model as it was.
        trainer.manifest = manifest
        trainer.directoryLock = lock
        return Prepared(trainer: trainer, manifest: manifest, training: training, validation: validation)
    }

    private func loadData(_ manifest: ModelDirectory.Manifest) throws -> (SequenceDataset, SequenceDataset?) {
        if let validationFile {
            let training = try DataLoader.load(trainingFile, options: manifest.dataOptions)
            let validation = try DataLoader.load(validationFile, options: manifest.dataOptions, schema: training.schema)
            return (training, validation)
        }
        let split = try DataLoader.loadSplit(
            trainingFile, validationFraction: manifest.training.validationFraction, seed: manifest.training.seed,
            options: manifest.dataOptions)
        return (split.training, split.validation)
    }
}
