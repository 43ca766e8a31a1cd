import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTraining

/// The import of a whole-model ONNX file that `gru export` wrote (`ONNXModelExport`): the
/// model and its data schema come back exactly, weights bit for bit.
///
/// The metadata entry `grukit.manifest` gives the configuration and the data schema; the
/// weights come from the named initializers: `embedding.weight`, `head.weight` and `head.bias`
/// as they are, and the GRU's from its `GRU` nodes (`ONNXGRU.parameters(from:)`, which undoes
/// the gate reorder). The rest of the graph is not read: it is what export derives from these.
public enum ONNXGRUKitGraphImport {
    /// Whether `model` carries the metadata GRUKit's export writes, so that this import
    /// applies rather than the import of another exporter's graph.
    public static func isGRUKitGraph(_ model: ONNXModel) -> Bool {
        model.metadata[ONNXModelMetadata.manifestKey] != nil
    }

    /// The model and data schema of a GRUKit-written whole-model file.
    ///
    /// - Parameters:
    ///   - model: The decoded ONNX file.
    ///   - labels: Class names given by the user; the file names its own, so these must be
    ///     nil or the same.
    /// - Throws: `FormatError` naming the file: no or an invalid `grukit.manifest`, a missing
    ///   or misshapen initializer, GRU nodes that disagree with the manifest, labels that
    ///   differ from the file's.
    public static func importedModel(from model: ONNXModel, labels: [String]?) throws -> ImportedModel {
        let manifest = try ONNXModelMetadata.manifest(in: model)
        let configuration = manifest.model
        func failure(_ problem: String) -> FormatError { FormatError(model.fileName, problem) }
        if let labels, labels != manifest.data.labels?.names ?? [] {
            let own = manifest.data.labels.map { "its own labels " + listForMessage($0.names) } ?? "no labels"
            throw failure("has \(own); expected them to match the labels given (\(listForMessage(labels)))")
        }
        var tensors: [String: Tensor] = [:]
        var names = ["head.weight", "head.bias"]
        if configuration.vocabularySize != nil { names.insert("embedding.weight", at: 0) }
        for name in names {
            switch model.initializer(named: name) {
            case .float(let tensor)?: tensors[name] = tensor
            case nil: throw failure("has no initializer '\(name)'; expected the one gru export writes")
            case let other?: throw failure("initializer '\(name)' holds \(other.elementType) values; expected FLOAT")
            }
        }
        let gru = try ONNXGRU.parameters(from: model)
        guard gru.configuration == configuration.gru else {
            throw failure(
                "has GRU nodes of \(describe(gru.configuration)); expected \(describe(configuration.gru)) "
                    + "as its metadata '\(ONNXModelMetadata.manifestKey)' says")
        }
        for (name, tensor) in PyTorchGRUNames.namedTensors(of: gru) { tensors["gru." + name] = tensor }
        do {
            return ImportedModel(
                model: try SequenceModel(configuration: configuration, namedTensors: tensors), schema: manifest.data,
                manifest: manifest)
        } catch let error as GRUInputError {
            throw failure(error.description)
        }
    }

    private static func describe(_ configuration: GRUConfiguration) -> String {
        "input size \(configuration.inputSize), hidden size \(configuration.hiddenSize), "
            + "\(configuration.layerCount) layer(s), \(configuration.isBidirectional ? "bi" : "uni")directional, "
            + "\(configuration.variant.rawValue)\(configuration.hasBias ? "" : ", no bias")"
    }
}
