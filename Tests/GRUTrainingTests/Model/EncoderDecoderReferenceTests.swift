import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUTraining

/// The encoder-decoder against Tests/Fixtures/seq2seq, made by
/// Tools/Reference/make_seq2seq_fixtures.py: the same model written in PyTorch (nn.GRU
/// encoder with packed lengths, the Cho context, an nn.GRU decoder reading [embedding;
/// context], the head over [embedding; state; context]), and with Bahdanau's additive or
/// Luong's multiplicative attention in the context's place (masked by the source lengths), and
/// the `feat_*` cases with a source of feature vectors (no source embedding), in float64
/// autograd, with a masked mean cross-entropy. The loss, logits, context and decoder
/// states within 1e-5; every parameter's gradient within 1e-4 of its magnitude (1e-6 absolute
/// near zero).
@Suite(.tags(.reference))
struct EncoderDecoderReferenceTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/seq2seq")

    static let fixtureNames =
        ["uni_l1", "bi_l1", "bi_l2", "uni_l2_h20"].flatMap { [$0, "attn_" + $0] } + ["luong_uni_l1", "luong_bi_l2"]
        + ["feat_bi_l1", "feat_attn_bi_l2", "feat_luong_uni_l1"]

    static let dataNames: Set<String> = [
        "source", "source_lengths", "target_input", "target_output", "target_lengths", "loss", "logits", "context",
        "decoder_output", "attention_weights",
    ]

    @Test(arguments: fixtureNames)
    func matchesPyTorch(_ name: String) throws {
        let file = try SafetensorsFile.read(contentsOf: Self.directory.appendingPathComponent(name + ".safetensors"))
        func size(_ key: String) throws -> Int { try #require(Int(file.metadata[key] ?? "")) }
        var configuration = EncoderDecoderConfiguration(
            sourceVocabularySize: try size("source_vocabulary"), targetVocabularySize: try size("target_vocabulary"),
            embeddingSize: try size("embedding_size"), hiddenSize: try size("hidden_size"),
            encoderLayers: try size("encoder_layers"), bidirectional: file.metadata["bidirectional"] == "true",
            attention: try #require(EncoderDecoderConfiguration.Attention(rawValue: file.metadata["attention"] ?? "")))
        let features = Int(file.metadata["source_features"] ?? "0") ?? 0
        configuration.sourceFeatureCount = features
        var weights: [String: Tensor] = [:]
        for tensorName in file.names where !Self.dataNames.contains(tensorName) && !tensorName.hasPrefix("grad.") {
            weights[tensorName] = file[tensorName]
        }
        let model = try EncoderDecoderModel(configuration: configuration, namedTensors: weights)
        func ids(_ key: String) throws -> [Int] { try file.require(key).scalars.map { Int($0) } }
        let source: EncoderInput =
            features > 0 ? .features(try file.require("source").scalars, width: features) : .tokens(try ids("source"))
        let batch = TranslationBatch(
            source, sourceLengths: try ids("source_lengths"), targetInput: try ids("target_input"),
            targetOutput: try ids("target_output"), targetLengths: try ids("target_lengths"))
        #expect(model.namedTensors.contains { $0.name.hasPrefix("source_embedding.") } == (features == 0))

        let result = try model.teacherForced(batch)
        let expectedLoss = try file.require("loss").scalars[0]
        #expect(
            abs(result.loss - expectedLoss) <= 1e-5 * max(1, abs(expectedLoss)),
            "loss \(result.loss) against \(expectedLoss)")
        expectApproximatelyEqual(result.logits, try file.require("logits"), absoluteTolerance: 1e-5, "logits")
        expectApproximatelyEqual(result.context, try file.require("context"), absoluteTolerance: 1e-5, "context")
        expectApproximatelyEqual(
            result.decoderOutput, try file.require("decoder_output"), absoluteTolerance: 1e-5, "decoder output")
        if let weights = file["attention_weights"] {
            expectApproximatelyEqual(
                try #require(result.attentionWeights), weights, absoluteTolerance: 1e-5, "attention")
        }

        var gradientModel = model
        gradientModel.parameters = try #require(result.gradients)
        for (tensorName, gradient) in gradientModel.namedTensors {
            expectApproximatelyEqual(
                gradient, try file.require("grad." + tensorName), absoluteTolerance: 1e-6, relativeTolerance: 1e-4,
                "gradient of \(tensorName)")
        }
    }
}
