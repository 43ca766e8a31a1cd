import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTraining

/// A trained `SequenceModel` as one ONNX graph of standard operators (opset 14: GRU-14, the
/// first with `layout`) that computes what `gru predict` reports, so that onnxruntime or any
/// other ONNX runtime serves the model without GRUKit.
///
/// Legend: B batch, T steps, F features, E embedding size, H hidden size, D directions, L
/// layers, C outputs (classes, tags, vocabulary, or horizon × targets). B and T are dynamic.
///
/// Inputs, batch-major:
/// - `input`: (B, T, F) float raw features, standardized inside the graph with the training
///   data's statistics ((x - mean) / std, Sub and Div), or (B, T) int64 token ids (0 the
///   padding id), looked up in `embedding.weight` (V, E) by Gather;
/// - `lengths`: (B) int64, each sequence's valid steps in 1...T, for classify, tag and
///   language-model, whose sequences differ in length. A forecast graph has none: its windows
///   all have the training window's length, and every step of `input` counts.
///
/// The graph transposes to time-major (the GRU nodes take `layout` 0, which onnxruntime
/// requires), runs the GRU stack as one `GRU` node per layer (`ONNXGRU.appendStack`, with
/// `lengths` cast to int32 `sequence_lens`), then the task's head (ONNXTaskHead.swift):
/// - classify: pooling (ONNXSequencePooling.swift), Gemm, Softmax: `output` (B, C), the class
///   probabilities (predict's `p_<label>` columns);
/// - forecast: pooling, Gemm, then y * std + mean in the data's units: `output` (B, C), C =
///   horizon × targets in predict's column order;
/// - tag, language-model: the head at every step and Softmax: `output` (B, T, C), the tag or
///   next-token probabilities of every step (predict reports their argmax and perplexity,
///   and with `--probabilities` these); rows at steps past a sequence's length mean nothing.
///
/// What happens before the model stays outside the graph, for the caller: tokenizing text with
/// the `vocabulary` metadata (unknown tokens are id 1), cutting forecast series into windows,
/// and cutting sequences to a training run's `--max-length`, as `gru predict` does.
///
/// Initializers keep the model's PyTorch names where the tensor is stored as the model holds
/// it (`embedding.weight`, `head.weight`, `head.bias`); the GRU's are ONNXGRU's `W_l<k>`,
/// `R_l<k>`, `B_l<k>` in ONNX's gate order. `metadata_props` are `ONNXModelMetadata`'s, the
/// whole manifest among them, which `ONNXGRUKitGraphImport` reads back.
public enum ONNXModelExport {
    /// The operator set the graph imports.
    public static let opsetVersion: Int64 = ONNXGRU.opsetVersion

    /// Whether a graph for `configuration` has the input `lengths`: every task but forecast.
    public static func takesLengths(_ configuration: ModelConfiguration) -> Bool {
        configuration.task != .forecast
    }

    /// The graph computing `model`'s predictions, with `manifest`'s data schema (vocabulary,
    /// normalization, labels) and the whole manifest as metadata.
    ///
    /// - Throws: `GRUInputError` when the manifest does not describe the model.
    public static func model(of model: SequenceModel, manifest: ModelDirectory.Manifest) throws -> ONNXModel {
        let configuration = model.configuration
        guard configuration == manifest.model else {
            throw GRUInputError(
                .setting("model configuration"), found: "a manifest describing another model",
                expected: "the manifest the model was trained with")
        }
        let schema = manifest.data
        let tensors = Dictionary(uniqueKeysWithValues: model.namedTensors.map { ($0.name, $0.tensor) })
        var graph = ONNXGraphBuilder(opsetVersion: opsetVersion, graphName: "grukit_\(configuration.task.rawValue)")
        graph.model.metadata = try ONNXModelMetadata.entries(for: manifest)
        let batch = ONNXValueInfo.Dimension.symbolic("B"), steps = ONNXValueInfo.Dimension.symbolic("T")

        // MARK: Input, batch-major -> (T, B, I)
        let batchMajor: String
        if configuration.vocabularySize != nil {
            graph.model.inputs.append(ONNXValueInfo(name: "input", elementType: .int64, dimensions: [batch, steps]))
            graph.constant("embedding.weight", .float(tensors["embedding.weight"]!))
            batchMajor = graph.add("Gather", ["embedding.weight", "input"], output: "embedded")  // (B, T, E)
        } else {
            let featureCount = configuration.featureCount ?? 0
            graph.model.inputs.append(
                ONNXValueInfo(name: "input", elementType: .float, dimensions: [batch, steps, .fixed(featureCount)]))
            if let normalization = schema.featureNormalization {
                let means = graph.constant("feature_means", floats: normalization.means)
                let deviations = graph.constant("feature_standard_deviations", floats: normalization.standardDeviations)
                let centered = graph.add("Sub", ["input", means], output: "centered_features")
                batchMajor = graph.add("Div", [centered, deviations], output: "normalized_features")  // (B, T, F)
            } else {
                batchMajor = "input"
            }
        }
        let timeMajor = graph.add(
            "Transpose", [batchMajor], output: "gru_input", attributes: ["perm": .ints([1, 0, 2])])
        var lengths: String?
        var sequenceLengths: String?
        if takesLengths(configuration) {
            graph.model.inputs.append(ONNXValueInfo(name: "lengths", elementType: .int64, dimensions: [batch]))
            lengths = "lengths"
            sequenceLengths = graph.add("Cast", ["lengths"], output: "sequence_lens", attributes: ["to": .int(6)])
        }

        // MARK: GRU stack
        let gruTensors = Dictionary(
            uniqueKeysWithValues: tensors.compactMap { name, tensor in
                name.hasPrefix("gru.") ? (String(name.dropFirst(4)), tensor) : nil
            })
        let parameters = try PyTorchGRUNames.parameters(from: gruTensors, configuration: configuration.gru)
        let finalStates = (0..<configuration.layers).map { "gru_final_state_l\($0)" }
        graph.constant("head.weight", .float(tensors["head.weight"]!))
        graph.constant("head.bias", .float(tensors["head.bias"]!))
        ONNXGRU.appendStack(
            of: parameters, to: &graph.model, input: timeMajor, output: "gru_output", finalStates: finalStates,
            sequenceLengths: sequenceLengths)

        // MARK: Head and output
        let headOutput: String
        if configuration.predictsEveryStep {
            let stepsFirst = graph.add(
                "Transpose", ["gru_output"], output: "gru_output_BTF", attributes: ["perm": .ints([1, 0, 2])])
            headOutput = graph.stepHead(stepsFirst)
        } else {
            let pooled = graph.pooling(
                configuration.pooling, sequence: "gru_output", finalState: finalStates.last!, lengths: lengths)
            headOutput = graph.pooledHead(pooled)
        }
        graph.reportedOutput(headOutput, schema: schema)
        let outputs = ONNXValueInfo.Dimension.fixed(configuration.outputSize)
        graph.model.outputs = [
            ONNXValueInfo(
                name: "output", elementType: .float,
                dimensions: configuration.predictsEveryStep ? [batch, steps, outputs] : [batch, outputs])
        ]
        return graph.model
    }
}
