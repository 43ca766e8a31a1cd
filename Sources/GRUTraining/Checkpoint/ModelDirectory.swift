import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor

/// A trained model on disk: everything needed to rebuild, use and resume it.
///
///     model.json               configuration: model, training options, data schema
///     weights.safetensors      the weights to use (the best epoch's under early stopping),
///                              PyTorch names: embedding.weight, gru.weight_ih_l0, head.weight ...
///     checkpoint.safetensors   the last epoch's weights, the optimizer's buffers, the best
///                              weights and the training state: what --resume reads
///     log.jsonl                one JSON object per epoch
///     curve.svg                the loss and metric curves
///
/// Every epoch's files are replaced as one set (`writeAsOneSet`), and the resume state is one
/// file, so a run stopped at any moment leaves a whole epoch and resumes from it.
public struct ModelDirectory: Sendable {
    /// The directory.
    public let url: URL

    /// A model directory at `url` (created when saving).
    public init(_ url: URL) {
        self.url = url
    }

    /// The saved configuration.
    public struct Manifest: Codable, Equatable, Sendable {
        /// The layout version this version of GRUKit writes and reads.
        public static let currentFormat = 1
        /// The layout version of the directory.
        public var format = currentFormat
        /// The model: task, sizes, dropout, initialization.
        public var model: ModelConfiguration
        /// The optimization settings, which --resume continues with.
        public var training: TrainingOptions
        /// How the training files were read; evaluation and prediction read theirs the same way.
        public var dataOptions: DataOptions
        /// What the training data held: vocabulary or features, labels, normalization.
        public var data: DatasetSchema

        /// A manifest of the given parts.
        public init(model: ModelConfiguration, training: TrainingOptions, dataOptions: DataOptions, data: DatasetSchema)
        {
            self.model = model
            self.training = training
            self.dataOptions = dataOptions
            self.data = data
        }
    }

    var manifestURL: URL { url.appendingPathComponent("model.json") }
    var weightsURL: URL { url.appendingPathComponent("weights.safetensors") }
    var checkpointURL: URL { url.appendingPathComponent("checkpoint.safetensors") }
    /// The JSON-lines log of every epoch.
    public var logURL: URL { url.appendingPathComponent("log.jsonl") }
    /// The SVG loss curve.
    public var curveURL: URL { url.appendingPathComponent("curve.svg") }

    /// Where a save keeps its journal while it renames its files into place (see
    /// `writeAsOneSet`).
    var journalURL: URL { url.appendingPathComponent(".save-journal") }
    /// The lock a save holds while it renames, and readers while they read (see `readingSet`).
    var saveLockURL: URL { url.appendingPathComponent(".save-lock") }
    /// The files a save replaces, the only ones its journal may name.
    var setNames: Set<String> {
        Set([manifestURL, weightsURL, checkpointURL, logURL, curveURL].map(\.lastPathComponent))
    }

    /// Finishes a save that a crash interrupted (see `writeAsOneSet`); nothing when there is none.
    func finishInterruptedSave() throws {
        try readingSet(journal: journalURL, lock: saveLockURL, names: setNames) {}
    }

    /// Checks, before a run trains, that its saves can replace the set's files: none of them
    /// is a directory (or a link to one). Otherwise the run would fail only when its first
    /// epoch ends, after all the work of that epoch.
    ///
    /// - Throws: `FormatError` naming the first such path.
    func checkSetIsReplaceable() throws {
        for file in [manifestURL, weightsURL, checkpointURL, logURL, curveURL] {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw FormatError(
                    file.path,
                    "is a directory; expected a file that gru train replaces after each epoch (move it away or train into another directory)"
                )
            }
        }
    }

    /// Checks that a quantized copy may be written here: the directory does not exist, is
    /// empty, or holds only what `saveQuantized` writes (model.json, weights.safetensors),
    /// so that no other run's checkpoint or log is left beside the copy.
    func checkHoldsNoOtherModel() throws {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        let allowed: Set<String> = [manifestURL.lastPathComponent, weightsURL.lastPathComponent]
        if let other = entries.sorted().first(where: { !$0.hasPrefix(".") && !allowed.contains($0) }) {
            throw FormatError(
                url.path,
                "holds \(other); expected a new or empty directory, or one that gru quantize wrote (only model.json and weights.safetensors)"
            )
        }
    }

    /// Whether the directory holds a resumable checkpoint.
    public var hasCheckpoint: Bool { FileManager.default.fileExists(atPath: checkpointURL.path) }

    // MARK: - Writing

    /// Creates the directory if it does not exist yet.
    func createIfNeeded() throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw FormatError(url.path, "cannot create the model directory (\(error.localizedDescription))")
        }
    }

    /// Writes the configuration, creating the directory.
    package func saveManifest(_ manifest: Manifest) throws {
        try createIfNeeded()
        try writeAtomically(try manifestData(manifest), to: manifestURL)
    }

    /// Writes the resume checkpoint in one atomic file.
    package func saveCheckpoint(
        model: SequenceModel, bestParameters: [Float]?, optimizer: OptimizerState, state: TrainingState
    ) throws {
        try createIfNeeded()
        try writeAtomically(
            try checkpointData(model: model, bestParameters: bestParameters, optimizer: optimizer, state: state),
            to: checkpointURL)
    }

    /// Writes the history as JSON lines (one object per epoch) and as an SVG chart.
    package func saveReport(_ history: [EpochRecord], title: String) throws {
        try writeAtomically(try reportFiles(history, title: title))
    }

    /// Writes everything a finished epoch leaves, all files flushed before any replaces its
    /// old version (see `writeAtomically`): the configuration (when given), the weights users
    /// load, the checkpoint, the log and the curve. A new run in a directory that holds an
    /// older one so changes nothing before its first epoch ends, and never leaves one run's
    /// configuration beside the other's weights.
    public func saveEpoch(_ checkpoint: TrainingCheckpoint, manifest: Manifest?, title: String) throws {
        var files = try manifest.map { [(data: try manifestData($0), url: manifestURL)] } ?? []
        files.append((try weightsData(checkpoint.weights), weightsURL))
        files.append(
            (
                try checkpointData(
                    model: checkpoint.model, bestParameters: checkpoint.bestParameters, optimizer: checkpoint.optimizer,
                    state: checkpoint.state), checkpointURL
            ))
        files += try reportFiles(checkpoint.state.history, title: title)
        try writeAsOneSet(files, journal: journalURL, lock: saveLockURL, names: setNames)
        removeLeftoverTemporaryFiles()
    }

    /// Removes the temporary files of saves that a crash stopped before their journal was
    /// written (the old set stayed whole; these are only litter). Only while this process
    /// holds the directory's lock, so they are no one else's.
    private func removeLeftoverTemporaryFiles() {
        let names = [manifestURL, weightsURL, checkpointURL, logURL, curveURL, journalURL].map(\.lastPathComponent)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        for entry in entries where entry.hasSuffix(".tmp") && names.contains(where: { entry.hasPrefix("." + $0 + ".") })
        {
            try? FileManager.default.removeItem(at: url.appendingPathComponent(entry))
        }
    }

    private func manifestData(_ manifest: Manifest) throws -> Data {
        try Self.jsonEncoder(pretty: true).encode(manifest)
    }

    /// JSON as the directory's files hold it: sorted keys, and infinities and NaN as the strings
    /// "Infinity", "-Infinity" and "NaN" (a loss that overflowed is still recorded).
    package static func jsonEncoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    /// Reads what `jsonEncoder` writes.
    package static func jsonDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }

    private func weightsData(_ model: SequenceModel) throws -> Data {
        SafetensorsFile(
            model.namedTensors,
            metadata: ["variant": model.configuration.variant.rawValue, "task": model.configuration.task.rawValue],
            fileName: weightsURL.path
        ).encoded()
    }

    private func checkpointData(
        model: SequenceModel, bestParameters: [Float]?, optimizer: OptimizerState, state: TrainingState
    ) throws -> Data {
        var tensors = model.namedTensors
        tensors += optimizer.buffers.sorted { $0.key < $1.key }.map {
            (name: "optimizer.\($0.key)", tensor: Tensor(shape: [$0.value.count], scalars: $0.value))
        }
        if let bestParameters {
            tensors.append(
                (name: "best_parameters", tensor: Tensor(shape: [bestParameters.count], scalars: bestParameters)))
        }
        let encoder = Self.jsonEncoder()
        let metadata = [
            "state": String(decoding: try encoder.encode(state), as: UTF8.self),
            "optimizer_step_count": String(optimizer.stepCount),
        ]
        return SafetensorsFile(tensors, metadata: metadata, fileName: checkpointURL.path).encoded()
    }

    private func reportFiles(_ history: [EpochRecord], title: String) throws -> [(data: Data, url: URL)] {
        let encoder = Self.jsonEncoder()
        var lines = Data()
        for record in history {
            lines.append(try encoder.encode(record))
            lines.append(0x0A)
        }
        return [(lines, logURL), (Data(TrainingCurveChart.svg(history, title: title).utf8), curveURL)]
    }

    // MARK: - Reading

    /// The saved configuration.
    public func loadManifest() throws -> Manifest {
        try readingSet(journal: journalURL, lock: saveLockURL, names: setNames) { try readManifest() }
    }

    /// model.json, read without the set's lock (the caller holds it).
    private func readManifest() throws -> Manifest {
        let data: Data
        do {
            data = try Data(contentsOf: manifestURL)
        } catch {
            throw FormatError(
                manifestURL.path, "cannot read the model configuration; expected a model directory written by gru train"
            )
        }
        do {
            let manifest = try Self.jsonDecoder().decode(Manifest.self, from: Manifest.renamingFormerKeys(data))
            guard manifest.format == Manifest.currentFormat else {
                throw FormatError(
                    manifestURL.path,
                    "has format \(manifest.format); expected \(Manifest.currentFormat), the layout this version of gru train writes"
                )
            }
            try manifest.model.validate()
            try manifest.data.validate(for: manifest.model)
            // evaluate and predict batch by the saved batch size, and --resume trains on.
            try manifest.training.validate()
            return manifest
        } catch let error as FormatError {
            throw error
        } catch let error as GRUInputError {
            throw FormatError(manifestURL.path, error.description)
        } catch let error as DecodingError {
            throw FormatError(manifestURL.path, "is not a valid model configuration: \(Self.describe(error))")
        } catch {
            throw FormatError(manifestURL.path, "is not a valid model configuration (\(error))")
        }
    }

    /// A decoding error of model.json in words, naming the key by its path ("model.hiddenSize").
    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ key: CodingKey? = nil) -> String {
            "\"" + (context.codingPath + (key.map { [$0] } ?? [])).map(\.stringValue).joined(separator: ".") + "\""
        }
        switch error {
        case .keyNotFound(let key, let context): return "the key \(path(context, key)) is missing"
        case .valueNotFound(_, let context): return "\(path(context)) is null"
        case .typeMismatch(let type, let context): return "\(path(context)) is not of type \(type)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    /// The model with its weights, at the precision they are stored at: a directory that
    /// `gru quantize` wrote gives a model whose inference runs its bf16 or int8 weights as
    /// stored (`QuantizedTensors`), its `parameters` their float values.
    public func loadModel() throws -> (model: SequenceModel, manifest: Manifest) {
        // Both files under one lock: a save between the two reads would pair them wrongly.
        let (manifest, file) = try readingSet(journal: journalURL, lock: saveLockURL, names: setNames) {
            (try readManifest(), try SafetensorsFile.read(contentsOf: weightsURL))
        }
        let stored = try QuantizedTensors(reading: file)
        do {
            let model = try SequenceModel(configuration: manifest.model, namedTensors: stored.tensors)
            return (try model.atPrecision(stored.precision, int8Weights: stored.int8Rows), manifest)
        } catch let error as GRUInputError {
            throw error.located(in: weightsURL.path)
        }
    }

    /// Writes `model` here with its recurrent weights at `precision` (`QuantizedTensors`):
    /// model.json and weights.safetensors as one set, no checkpoint (a quantized model is for
    /// inference, not for resuming), and returns the model as it loads back.
    ///
    /// - Throws: `FormatError` when the directory holds another run's files (see
    ///   `checkHoldsNoOtherModel`) or cannot be written, and `GRUInputError` for a model whose
    ///   cell or activations have no low-precision inference.
    public func saveQuantized(_ model: SequenceModel, manifest: Manifest, precision: InferencePrecision) throws
        -> SequenceModel
    {
        try checkHoldsNoOtherModel()
        _ = try model.atPrecision(precision)
        let module = model.configuration.cell.moduleName + "."
        let tensors = model.namedTensors
        let quantized = Set(
            tensors.map(\.name).filter { $0.hasPrefix(module + "weight_ih_l") || $0.hasPrefix(module + "weight_hh_l") })
        let metadata = ["variant": model.configuration.variant.rawValue, "task": model.configuration.task.rawValue]
        let file = QuantizedTensors.file(
            tensors, quantizing: quantized, at: precision, metadata: metadata, fileName: weightsURL.path)
        try createIfNeeded()
        try writeAsOneSet(
            [(try manifestData(manifest), manifestURL), (file.encoded(), weightsURL)], journal: journalURL,
            lock: saveLockURL, names: setNames)
        return try loadModel().model
    }

    /// The resume checkpoint, for a model of the given configuration.
    public func loadCheckpoint(configuration: ModelConfiguration) throws -> TrainingCheckpoint {
        let file = try readingSet(journal: journalURL, lock: saveLockURL, names: setNames) {
            try SafetensorsFile.read(contentsOf: checkpointURL)
        }
        let name = checkpointURL.path
        guard let stateText = file.metadata["state"],
            let state = try? Self.jsonDecoder().decode(TrainingState.self, from: Data(stateText.utf8)),
            let stepCount = file.metadata["optimizer_step_count"].flatMap(Int.init)
        else {
            throw FormatError(name, "has no readable training state; expected a checkpoint written by gru train")
        }
        let stored = try QuantizedTensors(reading: file)
        guard stored.precision == .float32 else {
            throw FormatError(
                name,
                "holds weights quantized to \(stored.precision.rawValue); expected the float32 checkpoint gru train writes"
            )
        }
        var modelTensors: [String: Tensor] = [:]
        var buffers: [String: [Float]] = [:]
        var best: [Float]?
        for tensorName in file.names {
            let tensor = stored.tensors[tensorName]!
            if tensorName.hasPrefix("optimizer.") {
                buffers[String(tensorName.dropFirst("optimizer.".count))] = tensor.scalars
            } else if tensorName == "best_parameters" {
                best = tensor.scalars
            } else {
                modelTensors[tensorName] = tensor
            }
        }
        let model: SequenceModel
        do {
            model = try SequenceModel(configuration: configuration, namedTensors: modelTensors)
        } catch let error as GRUInputError {
            throw error.located(in: name)
        }
        if let best, best.count != model.parameters.count {
            throw FormatError(name, "best_parameters has \(best.count) values; expected \(model.parameters.count)")
        }
        return TrainingCheckpoint(
            model: model, bestParameters: best,
            optimizer: OptimizerState(stepCount: stepCount, buffers: buffers), state: state)
    }
}
