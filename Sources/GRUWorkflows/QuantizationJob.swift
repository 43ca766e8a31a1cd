import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTraining

/// A `gru quantize` run: a trained model's copy with its GRU stack's weights in int8 or bf16
/// (`ModelDirectory.saveQuantized`), for inference.
public struct QuantizationJob {
    /// The model directory written by `gru train`.
    public var source: ModelDirectory
    /// The directory of the copy.
    public var destination: ModelDirectory
    /// bf16 or int8.
    public var precision: InferencePrecision

    /// A job copying `source` to `destination` at `precision`.
    public init(source: ModelDirectory, destination: ModelDirectory, precision: InferencePrecision) {
        self.source = source
        self.destination = destination
        self.precision = precision
    }

    /// What `run` returns: the recurrent weights' bytes before and after.
    public struct Result: Sendable {
        /// The copy, as it loads back.
        public let copy: SequenceModel
        /// Bytes of the stack's weight matrices in the source (float32, or its stored precision).
        public let sourceWeightBytes: Int
        /// Bytes of the same matrices in the copy.
        public let copyWeightBytes: Int
    }

    /// Loads the source and writes the copy.
    ///
    /// - Throws: `FormatError` for a missing or unreadable source, or a destination that is
    ///   the source or holds another run's files; `GRUInputError` for float32 (no copy to make)
    ///   and for a model other than a GRU with tanh and sigmoid.
    public func run() throws -> Result {
        guard precision != .float32 else {
            throw GRUInputError(
                .setting("--precision"), found: "float32", expected: "int8 or bf16 (a float32 copy is the model itself)"
            )
        }
        func resolved(_ directory: ModelDirectory) -> String {
            directory.url.standardizedFileURL.resolvingSymlinksInPath().path
        }
        guard resolved(source) != resolved(destination) else {
            throw FormatError(
                destination.url.relativePath, "is the model directory being quantized; expected another directory")
        }
        let (model, manifest) = try source.loadTrainedModel()
        let copy = try destination.saveQuantized(model, manifest: manifest, precision: precision)
        return Result(
            copy: copy, sourceWeightBytes: model.recurrentWeightBytes, copyWeightBytes: copy.recurrentWeightBytes)
    }
}
