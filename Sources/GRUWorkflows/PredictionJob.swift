import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTraining

/// A `gru predict` run: a trained model's prediction for every sequence of a data file, as a
/// CSV table with one row per sequence in the file's order.
///
/// The file is read as `gru evaluate` reads it (see `EvaluationJob`), except that labels may be
/// missing (`DataOptions.requiresTargets` false): label-and-text files with only a text column,
/// .ts files declaring `@classLabel false`, and CoNLL files with a token only per line; a forecast
/// model forecasts after every window of the series, the last ending at the file's last row, so
/// the last row is the forecast past the file's end (see `TimeSeriesLoader`). Columns: `index` (the
/// sequence's position in the data set, from 0) and `source` (`file:line`), then by task:
///
/// - classify: `prediction` (the most likely class) and `p_<label>`, each class's softmax
///   probability;
/// - tag: `prediction`, the most likely tag of every step, joined by spaces;
/// - forecast: `<target>_t+<k>` for each step k = 1...horizon and each target column, in the
///   data's units, after the row `source` names (the window's last);
/// - language-model: `tokens` (the predicted steps) and `perplexity`, e^(mean cross-entropy of
///   the sequence's next tokens).
///
/// With `writesStepProbabilities` (tag and language-model), a last column `probabilities` holds
/// the softmax of every valid step: each step's class (tag or next-token) probabilities
/// separated by spaces, steps separated by semicolons, each written so that it reads back as
/// the same Float.
public struct PredictionJob {
    /// The model directory written by `gru train`.
    public var directory: ModelDirectory
    /// The sequences to predict.
    public var dataFile: URL
    /// Where the CSV table goes.
    public var outputFile: URL
    /// Forces the data format; nil takes it from the file extension.
    public var format: DataFormat?
    /// Whether tag and language-model tables get the column `probabilities` (every step's softmax).
    public var writesStepProbabilities: Bool
    /// The precision of the GRU stack's weights (`SequenceModel.atPrecision`); nil keeps the
    /// precision they are stored at (float32, or the bf16 or int8 of a `gru quantize` copy).
    public var precision: InferencePrecision?

    /// A job writing the predictions of the model in `directory` for `dataFile` to `outputFile`.
    public init(
        directory: ModelDirectory, dataFile: URL, outputFile: URL, format: DataFormat? = nil,
        writesStepProbabilities: Bool = false
    ) {
        self.directory = directory
        self.dataFile = dataFile
        self.outputFile = outputFile
        self.format = format
        self.writesStepProbabilities = writesStepProbabilities
    }

    /// A table of predictions: named columns and one row of fields per sequence.
    public struct Table: Equatable, Sendable {
        /// The column names.
        public var columns: [String]
        /// The fields of each row, one per column.
        public var rows: [[String]]

        /// The table as CSV: a header line, then one line per row, each ending in "\n"; fields
        /// that hold a comma, a double quote or a line break are quoted, and their quotes
        /// doubled (RFC 4180).
        public var csv: String {
            ([columns] + rows).map { $0.map(Self.csvField).joined(separator: ",") + "\n" }.joined()
        }

        /// `field` as one RFC 4180 field.
        static func csvField(_ field: String) -> String {
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
                return field
            }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }

    /// Predicts every sequence and writes the table to `outputFile` atomically.
    ///
    /// - Returns: the table written.
    /// - Throws: `FormatError` or `GRUInputError` naming the model directory, data file (and
    ///   line) or output file.
    @discardableResult
    public func run() throws -> Table {
        let table = try predictions()
        try writeAtomically(Data(table.csv.utf8), to: outputFile)
        return table
    }

    /// Loads the model and the data and predicts every sequence, without dropout.
    public func predictions() throws -> Table {
        let (loaded, manifest) = try directory.loadTrainedModel()
        let model = try precision.map { try loaded.atPrecision($0) } ?? loaded
        if writesStepProbabilities, !model.configuration.predictsEveryStep {
            throw GRUInputError(
                .setting("--probabilities"), found: "a \(model.configuration.task.rawValue) model",
                expected: "a tag or language-model model, which predict every step (classify writes p_<label> always)")
        }
        let dataset = try directory.dataset(at: dataFile, format: format, manifest: manifest, requiresTargets: false)
        let schema = manifest.data
        var rows = [[String]](repeating: [], count: dataset.count)
        let batcher = Batcher(dataset: dataset, batchSize: manifest.training.batchSize, shuffles: false)
        for batch in batcher.batches(epoch: 0) {
            let output = try model.forward(batch).output
            // A model whose weights are finite can still overflow; NaN probabilities would be
            // written as if they were predictions.
            guard output.isFinite else {
                let first = batch.exampleIndices.first.map { dataset.examples[$0].source } ?? dataFile.path
                throw GRUInputError(
                    .file(first), found: "the model's outputs are NaN or infinite for the batch starting here",
                    expected: "finite outputs (the weights in \(directory.url.path) may have overflowed)")
            }
            var fields = try Self.fields(of: output, batch: batch, schema: schema)
            if writesStepProbabilities {
                for column in fields.indices {
                    fields[column].append(Self.stepProbabilities(of: output, batch: batch, column: column))
                }
            }
            for (column, index) in batch.exampleIndices.enumerated() {
                rows[index] = [String(index), dataset.examples[index].source] + fields[column]
            }
        }
        return Table(
            columns: ["index", "source"] + Self.predictionColumns(schema)
                + (writesStepProbabilities ? ["probabilities"] : []),
            rows: rows)
    }

    /// The softmax of every valid step of sequence `column` of `batch`, classes joined by
    /// spaces and steps by semicolons.
    ///
    /// - Parameter output: the model's output, (T*B, C) per step in time-major rows.
    static func stepProbabilities(of output: Tensor, batch: SequenceBatch, column: Int) -> String {
        let width = output.shape.last ?? 1
        return (0..<batch.lengths[column]).map { step in
            let row = step * batch.batchSize + column
            return softmax(output.scalars[(row * width)..<((row + 1) * width)]).map { String(Float($0)) }
                .joined(separator: " ")
        }.joined(separator: ";")
    }

    // MARK: - Columns by task

    /// The names of the columns after `index` and `source`.
    static func predictionColumns(_ schema: DatasetSchema) -> [String] {
        switch schema.task {
        case .classify: return ["prediction"] + (schema.labels?.names ?? []).map { "p_\($0)" }
        case .tag: return ["prediction"]
        case .forecast:
            let targets = schema.targetNames ?? []
            return (1...(schema.horizon ?? 1)).flatMap { step in targets.map { "\($0)_t+\(step)" } }
        case .languageModel: return ["tokens", "perplexity"]
        case .seq2seq: return ["prediction"]  // seq2seq models predict through Seq2SeqJobs
        }
    }

    /// The prediction fields of each sequence of `batch`, in batch order.
    ///
    /// - Parameter output: the model's output, (B, C) per sequence or (T*B, C) per step.
    static func fields(of output: Tensor, batch: SequenceBatch, schema: DatasetSchema) throws -> [[String]] {
        let batchSize = batch.batchSize
        let width = output.shape.last ?? 1
        let logits = output.scalars
        /// Row `row` of the output.
        func outputRow(_ row: Int) -> ArraySlice<Float> { logits[(row * width)..<((row + 1) * width)] }
        switch schema.task {
        case .seq2seq:
            throw GRUInputError(
                .setting("task"), found: "seq2seq", expected: "a one-stack model's task (seq2seq predicts on its own)")
        case .classify:
            let names = schema.labels?.names ?? []
            return (0..<batchSize).map { column in
                let row = outputRow(column)
                let probabilities = softmax(row)
                return [names[argmax(row)]] + probabilities.map { String(Float($0)) }
            }
        case .tag:
            let names = schema.labels?.names ?? []
            return (0..<batchSize).map { column in
                let tags = (0..<batch.lengths[column]).map { step in names[argmax(outputRow(step * batchSize + column))]
                }
                return [tags.joined(separator: " ")]
            }
        case .forecast:
            let values = schema.targetNormalization?.denormalized(logits) ?? logits  // (B, K)
            return (0..<batchSize).map { column in values[(column * width)..<((column + 1) * width)].map { String($0) }
            }
        case .languageModel:
            guard case .stepClasses(let targets) = batch.targets else {
                throw GRUInputError(
                    .setting("language-model data"), found: "a step without a next token",
                    expected: "a next token at every step")
            }
            return (0..<batchSize).map { column in
                let length = batch.lengths[column]
                var crossEntropy = 0.0
                for step in 0..<length {
                    let row = step * batchSize + column
                    let values = outputRow(row)
                    crossEntropy += logSumExp(values) - Double(values[values.startIndex + targets[row]])
                }
                return [String(length), String(exp(crossEntropy / Double(length)))]
            }
        }
    }
}

// MARK: - Small numerics over one output row

/// The index of the largest value, the first of equal ones.
func argmax(_ values: ArraySlice<Float>) -> Int {
    var best = values.startIndex
    for index in values.indices where values[index] > values[best] { best = index }
    return best - values.startIndex
}

/// log(sum(e^x)), shifted by the maximum so large logits do not overflow; in Double.
func logSumExp(_ values: ArraySlice<Float>) -> Double {
    let maximum = Double(values.max() ?? 0)
    return maximum + log(values.reduce(0.0) { $0 + exp(Double($1) - maximum) })
}

/// e^x / sum(e^x), in Double.
func softmax(_ values: ArraySlice<Float>) -> [Double] {
    let shift = logSumExp(values)
    return values.map { exp(Double($0) - shift) }
}
