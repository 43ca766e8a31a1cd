import Foundation
import GRUFormats
import GRUTensor
import GRUTraining

/// A `gru evaluate` run: a trained model's metrics on a data file read as its training data was.
///
/// The file is read with the model directory's data options and schema, as validation data:
/// its vocabulary, classes and normalization are the training data's, a token the vocabulary
/// lacks becomes `<unk>`, and a label the model does not know is an error naming `file:line`.
/// Sequences are cut to the training run's maximum length, as its validation data was.
public struct EvaluationJob {
    /// The model directory written by `gru train`.
    public var directory: ModelDirectory
    /// The data to evaluate on.
    public var dataFile: URL
    /// Forces the data format; nil takes it from the file extension.
    public var format: DataFormat?
    /// The precision of the GRU stack's weights (`SequenceModel.atPrecision`); nil keeps the
    /// precision they are stored at (float32, or the bf16 or int8 of a `gru quantize` copy).
    public var precision: InferencePrecision?

    /// A job evaluating the model in `directory` on `dataFile`.
    public init(directory: ModelDirectory, dataFile: URL, format: DataFormat? = nil) {
        self.directory = directory
        self.dataFile = dataFile
        self.format = format
    }

    /// What `run` returns: the metrics and what they were computed on.
    public struct Result {
        /// The model directory's configuration.
        public let manifest: ModelDirectory.Manifest
        /// The evaluated data, as the model read it.
        public let dataset: SequenceDataset
        /// The metrics.
        public let evaluation: Evaluation

        /// The metrics as `gru evaluate --json` prints them.
        public var report: Report { Report(evaluation, count: dataset.count, labels: manifest.data.labels?.names) }
    }

    /// The metrics that apply to the task, with the JSON keys of `gru evaluate --json`: `count`
    /// and `loss` always; `accuracy`, `macro_f1`, `labels` and `confusion_matrix` (rows: true
    /// class, columns: predicted, in `labels` order) for classify and tag; `mae` and `rmse`, in
    /// the data's units, for forecast; `perplexity` for language-model.
    public struct Report: Codable, Equatable, Sendable {
        /// The number of sequences evaluated.
        public var count: Int
        /// The mean loss per element: per sequence (classify), per value (forecast), per valid
        /// step (tag, language-model).
        public var loss: Double
        /// The fraction of correct predictions (classify, tag).
        public var accuracy: Double?
        /// The mean F1 over the classes that occur (classify, tag).
        public var macroF1: Double?
        /// The mean absolute error of forecasts, in the data's units.
        public var mae: Double?
        /// The root mean squared error of forecasts, in the data's units.
        public var rmse: Double?
        /// e^(mean cross-entropy per token) (language-model).
        public var perplexity: Double?
        /// The class names, in the confusion matrix's order.
        public var labels: [String]?
        /// Counts of (true class, predicted class); nil beyond 1,000 classes.
        public var confusionMatrix: [[Int]]?

        /// The report of `evaluation` over `count` sequences of a model with the given classes.
        public init(_ evaluation: Evaluation, count: Int, labels: [String]?) {
            self.count = count
            loss = evaluation.loss
            accuracy = evaluation.accuracy
            macroF1 = evaluation.macroF1
            mae = evaluation.meanAbsoluteError
            rmse = evaluation.rootMeanSquaredError
            perplexity = evaluation.perplexity
            let classifies = evaluation.task == .classify || evaluation.task == .tag
            self.labels = classifies ? labels : nil
            // Up to 1,000 classes: beyond, the matrix would be larger than anyone reads.
            confusionMatrix = classifies && evaluation.classCount <= 1000 ? evaluation.confusion : nil
        }

        /// One JSON object, keys sorted and snake_case; a value that is not finite is written
        /// as the string "NaN", "Infinity" or "-Infinity", which JSON has no number for.
        public func jsonData() throws -> Data {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(
                positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
            return try encoder.encode(self)
        }
    }

    /// Loads the model and the data and evaluates the model on every sequence, without dropout.
    ///
    /// - Throws: `FormatError` or `GRUInputError` naming the model directory or data file (and
    ///   line) for a missing or unreadable model, unreadable data or an unknown label.
    public func run() throws -> Result {
        let (loaded, manifest) = try directory.loadTrainedModel()
        let model = try precision.map { try loaded.atPrecision($0) } ?? loaded
        let dataset = try directory.dataset(at: dataFile, format: format, manifest: manifest)
        let evaluation = try Trainer.evaluate(
            model, on: dataset, batchSize: manifest.training.batchSize, objective: Self.objective(for: manifest))
        return Result(manifest: manifest, dataset: dataset, evaluation: evaluation)
    }

    /// The loss evaluation reports: the task's plain objective (class weights and label smoothing
    /// shape training only) with the forecast loss the model was trained with.
    public static func objective(for manifest: ModelDirectory.Manifest) -> TaskObjective {
        TaskObjective(task: manifest.model.task, regressionLoss: manifest.training.loss)
    }
}

// MARK: - Reading a trained model and its data

extension ModelDirectory {
    /// The model and configuration, with a message naming the directory when there is none.
    func loadTrainedModel() throws -> (model: SequenceModel, manifest: Manifest) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FormatError(url.relativePath, "no such model directory; expected a directory written by gru train")
        }
        return try loadModel()
    }

    /// The data set in `url`, read as the model's training data was: with its data options and
    /// schema, the format forced by `format` (else the file extension's, else the training run's
    /// forced format), and sequences cut to the run's maximum length.
    ///
    /// - Parameter requiresTargets: false reads unlabelled files too, for prediction.
    /// - Throws: `FormatError` naming the file (and line), or when it holds no sequences.
    func dataset(at url: URL, format: DataFormat?, manifest: Manifest, requiresTargets: Bool = true) throws
        -> SequenceDataset
    {
        var options = manifest.dataOptions
        options.requiresTargets = requiresTargets
        if let format {
            options.format = format
        } else if DataFormat(fileExtension: url.pathExtension) != nil {
            options.format = nil
        }
        var dataset = try DataLoader.load(url, options: options, schema: manifest.data)
        guard dataset.count > 0 else {
            throw FormatError(url.relativePath, "holds no sequences; expected at least one")
        }
        if let maxLength = manifest.training.maxLength {
            dataset = dataset.truncated(toMaximumLength: maxLength)
        }
        return dataset
    }
}
