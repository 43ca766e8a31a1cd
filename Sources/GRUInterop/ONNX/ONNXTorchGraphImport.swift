import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTraining

/// A model that `torch.onnx.export` wrote (an `nn.GRU` and an `nn.Linear` head) as a GRUKit
/// `SequenceModel` over features.
///
/// The graph is read by `ONNXTorchGraphWalk`: a head on every step is a `tag` model, a head on
/// the last layer's final state (h_n[-1], both directions side by side, or the last step of a
/// unidirectional GRU) a `classify` model with last-state pooling. The GRU keeps each node's
/// `linear_before_reset` as its variant. GRUKit reads the lengths of every batch from its data,
/// so a graph with and without `pack_padded_sequence` import alike; time-major and batch-first
/// inputs too (`gru` data files keep their own layout).
///
/// ONNX files hold no names for the data: the features are named `feature1`...`featureF` and the
/// classes `0`...`C-1`, as for .npy data, unless `labels` are given.
public enum ONNXTorchGraphImport {
    /// The model `model` computes, with a schema naming its features and classes.
    ///
    /// - Parameter labels: The class names in head output order; nil names them 0...C-1.
    /// - Throws: `FormatError` naming the file and the node, its op and what GRUKit cannot
    ///   represent; `GRUInputError` for labels that are not one distinct name per head output.
    public static func importedModel(from model: ONNXModel, labels: [String]?) throws -> ImportedModel {
        let graph = try ONNXTorchGraphWalk.result(of: model)
        let gru = graph.gru.configuration
        let classCount = graph.headWeight.shape[0]
        let names = labels ?? (0..<classCount).map(String.init)
        guard names.count == classCount else {
            throw GRUInputError(
                .setting("--labels"), found: "\(names.count) labels",
                expected: "\(classCount), one per output of \(model.fileName)'s head")
        }
        guard let labelSet = LabelSet(names: names) else {
            throw GRUInputError(.setting("--labels"), found: "a label given twice", expected: "distinct class names")
        }
        let task: SequenceTask = graph.headInput == .everyStep ? .tag : .classify
        let configuration = ModelConfiguration(
            task: task, featureCount: gru.inputSize, hiddenSize: gru.hiddenSize, layers: gru.layerCount,
            bidirectional: gru.isBidirectional, variant: gru.variant, activation: gru.activation,
            recurrentActivation: gru.recurrentActivation, outputSize: classCount, pooling: .lastState)
        try configuration.validate()
        var tensors: [String: Tensor] = ["head.weight": graph.headWeight, "head.bias": graph.headBias]
        let imported = Dictionary(uniqueKeysWithValues: graph.gru.slots.map { ($0.name, graph.gru.tensor(for: $0)) })
        // A GRU without B has zero biases in GRUKit's layout, which always has them.
        for (name, template) in try SequenceModel(configuration: configuration, seed: 0).namedTensors
        where name.hasPrefix("gru.") {
            tensors[name] =
                imported[String(name.dropFirst("gru.".count))]
                ?? Tensor(shape: template.shape, scalars: Array(repeating: 0, count: template.count))
        }
        let schema = DatasetSchema(
            task: task, featureNames: (1...gru.inputSize).map { "feature\($0)" }, labels: labelSet)
        return ImportedModel(
            model: try SequenceModel(configuration: configuration, namedTensors: tensors), schema: schema)
    }
}
