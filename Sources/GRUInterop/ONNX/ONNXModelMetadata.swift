import Foundation
import GRUFormats
import GRUNetworks
import GRUTraining

/// The `metadata_props` of a whole-model ONNX file that `gru export` writes: the model
/// directory's whole manifest, from which GRUKit rebuilds the model exactly, and the parts of
/// it another runtime needs to feed the graph and read its output, each under a key of its own.
///
/// Every value is a string; lists and objects are JSON. The keys:
/// - `grukit.manifest`: model.json as one line of JSON (sorted keys), the source of truth;
/// - `variant` (`reset-after`, `reset-before`), `task` (`classify`, `tag`, `forecast`,
///   `language-model`), `input` (`tokens` or `features`), `pooling` (classify, forecast);
/// - `labels` (classify, tag), `vocabulary` (token input; id i is entry i), `feature_names`,
///   `target_names`, `window`, `horizon` (forecast);
/// - `feature_normalization`, `target_normalization`: `{"means": [...], "standardDeviations": [...]}`,
///   which the graph applies itself (they are for reading only).
enum ONNXModelMetadata {
    /// The key of the whole manifest; its presence marks a file GRUKit wrote.
    static let manifestKey = "grukit.manifest"

    /// The entries for a model trained with `manifest`.
    static func entries(for manifest: ModelDirectory.Manifest) throws -> [String: String] {
        let schema = manifest.data
        let model = manifest.model
        var entries = [
            manifestKey: try json(manifest),
            "variant": model.variant.rawValue,
            "task": model.task.rawValue,
            "input": model.vocabularySize != nil ? "tokens" : "features",
        ]
        if !model.predictsEveryStep { entries["pooling"] = model.pooling.rawValue }
        if let labels = schema.labels { entries["labels"] = try json(labels.names) }
        if let vocabulary = schema.vocabulary { entries["vocabulary"] = try json(vocabulary.tokens) }
        if let names = schema.featureNames { entries["feature_names"] = try json(names) }
        if let names = schema.targetNames { entries["target_names"] = try json(names) }
        if let window = schema.window { entries["window"] = String(window) }
        if let horizon = schema.horizon { entries["horizon"] = String(horizon) }
        if let normalization = schema.featureNormalization {
            entries["feature_normalization"] = try json(normalization)
        }
        if let normalization = schema.targetNormalization {
            entries["target_normalization"] = try json(normalization)
        }
        return entries
    }

    /// The manifest in `model`'s metadata, checked as `gru` checks a model.json.
    ///
    /// - Throws: `FormatError` naming the file when the key is missing or its value is not a
    ///   valid manifest.
    static func manifest(in model: ONNXModel) throws -> ModelDirectory.Manifest {
        guard let text = model.metadata[manifestKey] else {
            throw FormatError(
                model.fileName,
                "has no metadata entry '\(manifestKey)'; expected a whole model written by gru export")
        }
        let manifest: ModelDirectory.Manifest
        do {
            manifest = try ModelDirectory.jsonDecoder().decode(ModelDirectory.Manifest.self, from: Data(text.utf8))
        } catch {
            throw FormatError(
                model.fileName, "metadata '\(manifestKey)' is not a valid model configuration (\(brief(error)))")
        }
        guard manifest.format == ModelDirectory.Manifest.currentFormat else {
            throw FormatError(
                model.fileName,
                "metadata '\(manifestKey)' has format \(manifest.format); expected "
                    + "\(ModelDirectory.Manifest.currentFormat), the layout this version of GRUKit reads")
        }
        do {
            try manifest.model.validate()
            try manifest.data.validate(for: manifest.model)
            try manifest.training.validate()
        } catch let error as GRUInputError {
            throw FormatError(model.fileName, "metadata '\(manifestKey)': \(error.description)")
        }
        return manifest
    }

    private static func json(_ value: some Encodable) throws -> String {
        String(decoding: try ModelDirectory.jsonEncoder().encode(value), as: UTF8.self)
    }

    /// A decoding error in one line, without the coding path's type dump.
    private static func brief(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "the key \"\(key.stringValue)\" is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not valid JSON" : "\"\(path)\": \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}
