import Foundation
import GRUFormats
import GRUNetworks
import GRUTraining

/// A `gru gradient-norms` run: ‖dL/dh_t‖ against the distance from h_t to the sequence's end,
/// for a trained model (or the same architecture freshly initialized) on the first sequences
/// of a data file, read as the model's training data was.
public struct StateGradientNormJob {
    /// The model directory written by `gru train`.
    public var directory: ModelDirectory
    /// The data whose first sequences are measured.
    public var dataFile: URL
    /// How many sequences, from the start of the file.
    public var sequenceCount: Int
    /// Measures the model's architecture with fresh weights drawn from this seed instead of
    /// its trained ones: the gradient at initialization.
    public var initializationSeed: UInt64?

    /// A job measuring the model in `directory` on the first `sequenceCount` sequences of `dataFile`.
    public init(directory: ModelDirectory, dataFile: URL, sequenceCount: Int = 16, initializationSeed: UInt64? = nil) {
        self.directory = directory
        self.dataFile = dataFile
        self.sequenceCount = sequenceCount
        self.initializationSeed = initializationSeed
    }

    /// What `run` returns.
    public struct Result {
        /// The recurrent cell measured.
        public let cell: RecurrentCellKind
        /// The number of sequences measured and their length T.
        public let sequenceCount: Int, steps: Int
        /// The loss and the norm at each distance.
        public let measurement: StateGradientNorms.Measurement

        /// `distance,gradient_norm` lines, distance 1 ... T - 1, with a header.
        public var csv: String {
            "distance,gradient_norm\n"
                + measurement.norms.enumerated().map { "\($0.offset + 1),\($0.element)" }.joined(separator: "\n") + "\n"
        }
    }

    /// Loads the model and the data and measures.
    ///
    /// - Throws: `GRUInputError` for a sequence count below 1, a bidirectional model or
    ///   sequences of unequal lengths; `FormatError` for an unreadable model or data file.
    public func run() throws -> Result {
        guard sequenceCount >= 1 else {
            throw GRUInputError(.setting("--sequences"), found: "\(sequenceCount)", expected: "at least 1")
        }
        let (trained, manifest) = try directory.loadTrainedModel()
        let model = try initializationSeed.map { try SequenceModel(configuration: manifest.model, seed: $0) } ?? trained
        let dataset = try directory.dataset(at: dataFile, format: nil, manifest: manifest)
        let examples = Array(dataset.examples.prefix(sequenceCount))
        let batch = SequenceBatch(examples: examples, exampleIndices: Array(examples.indices))
        let measurement = try StateGradientNorms.measure(
            model, on: batch, objective: EvaluationJob.objective(for: manifest))
        return Result(
            cell: manifest.model.cell, sequenceCount: examples.count, steps: batch.steps, measurement: measurement)
    }
}
