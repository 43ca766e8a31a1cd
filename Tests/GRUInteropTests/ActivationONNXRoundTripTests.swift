import GRUFormats
import GRUInterop
import GRUNetworks
import GRUTensor
import GRUTestSupport
import GRUTraining
import Testing

/// GRUKit -> ONNX -> GRUKit for GRUs with Keras's other activations: the GRU nodes carry
/// `activations` (HardSigmoid with alpha 1/6 and beta 0.5, Affine with alpha 1 and beta 0) and
/// the model, its manifest and every weight come back; what onnxruntime computes from them is
/// checked by Tools/Interop/check_onnx_exports.py.
@Suite(.tags(.unit))
struct ActivationONNXRoundTripTests {
    static let cases: [ExportedModelCase] = [
        ExportedModelCase(
            name: "classify_features_bi_relu_hard_sigmoid",
            configuration: ModelConfiguration(
                task: .classify, featureCount: 3, hiddenSize: 4, layers: 2, bidirectional: true, activation: .relu,
                recurrentActivation: .hardSigmoid, outputSize: 2),
            schema: DatasetSchema(task: .classify, featureNames: ["a", "b", "c"], labels: LabelSet(names: ["x", "y"]))),
        ExportedModelCase(
            name: "tag_tokens_resetBefore_linear_sigmoid",
            configuration: ModelConfiguration(
                task: .tag, vocabularySize: ExportedModelCase.vocabulary.count, embeddingSize: 3, hiddenSize: 4,
                variant: .resetBefore, activation: .linear, recurrentActivation: .sigmoid, outputSize: 3),
            schema: DatasetSchema(
                task: .tag, vocabulary: ExportedModelCase.vocabulary, labels: LabelSet(names: ["DET", "NOUN", "VERB"]))),
    ]

    @Test(arguments: cases)
    func theActivationsComeBack(_ testCase: ExportedModelCase) throws {
        let original = try testCase.model()
        let model = try ONNXModelExport.model(of: original, manifest: testCase.manifest)
        let decoded = try ONNXModel(decoding: model.encoded(), name: "\(testCase.name).onnx")
        let config = testCase.configuration
        for node in decoded.nodes where node.opType == "GRU" {
            let pair = [config.recurrentActivation.onnxName, config.activation.onnxName]
            #expect(
                node.attributes["activations"]
                    == .strings(Array(repeating: pair, count: config.bidirectional ? 2 : 1).flatMap { $0 }))
            let parameters = [config.recurrentActivation, config.activation].compactMap(\.onnxAlphaBeta)
            let alphas = Array(repeating: parameters.map(\.alpha), count: config.bidirectional ? 2 : 1).flatMap { $0 }
            #expect(node.attributes["activation_alpha"] == (alphas.isEmpty ? nil : .floats(alphas)))
        }
        let imported = try ONNXGRUKitGraphImport.importedModel(from: decoded, labels: nil)
        #expect(imported.model.configuration == original.configuration)
        #expect(imported.manifest == testCase.manifest)
        #expect(imported.model.parameters.map(\.bitPattern) == original.parameters.map(\.bitPattern))
    }
}
