import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import GRUTraining
import GRUWorkflows
import Testing

/// `Seq2SeqImportJob` on the PyTorch models of Tests/Fixtures/seq2seq, their tensors renamed as
/// a PyTorch tutorial's modules name them: the model directory it writes computes PyTorch's
/// logits (within 1e-5) on the fixture's batch, with and without attention; models trained in
/// PyTorch (Tests/Fixtures/seq2seq-import) predict what PyTorch's greedy decoding gives; and
/// every way the names file or the weights can be wrong is a one-line error.
@Suite(.tags(.endToEnd))
struct Seq2SeqImportJobEndToEndTests {
    let directory: WorkflowDirectory

    init() throws { directory = try WorkflowDirectory() }

    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/seq2seq")

    static let modules = [
        "source_embedding": "encoder.embedding", "encoder": "encoder.rnn", "context": "encoder.fc",
        "target_embedding": "decoder.embedding", "decoder": "decoder.rnn", "head": "decoder.fc_out",
        "attention": "decoder.attention.attn", "attention_v": "decoder.attention.v",
    ]

    /// The fixture's weights under the tutorial's names, and its names JSON.
    func pytorchFiles(_ name: String, dropping: String? = nil, vocabularyShift: Int = 0, extra: Bool = false) throws
        -> (weights: URL, names: URL, fixture: SafetensorsFile)
    {
        let fixture = try SafetensorsFile.read(contentsOf: Self.fixtures.appendingPathComponent(name + ".safetensors"))
        var file = SafetensorsFile()
        var used: [String: String] = [:]
        for tensorName in fixture.names {
            guard let dot = tensorName.firstIndex(of: "."), !tensorName.hasPrefix("grad."),
                let prefix = Self.modules[String(tensorName[..<dot])]
            else { continue }
            used[String(tensorName[..<dot])] = prefix
            file.set(fixture[tensorName]!, named: prefix + tensorName[dot...])
        }
        if extra { file.set(Tensor(shape: [1], scalars: [0]), named: "decoder.dropout_mask") }
        if let dropping { used[dropping] = nil }
        let weights = directory.url.appendingPathComponent(name + ".pt.safetensors")
        try file.write(to: weights)
        func size(_ key: String) -> Int { Int(fixture.metadata[key]!)! }
        let source = ["<pad>", "<unk>"] + (2..<max(2, size("source_vocabulary") + vocabularyShift)).map { "s\($0)" }
        let target = ["<pad>", "<unk>", "<s>", "</s>"] + (4..<size("target_vocabulary")).map { "t\($0)" }
        var json: [String: Any] = [
            "modules": used, "source_vocabulary": source, "target_vocabulary": target, "target_tokens": "whitespace",
        ]
        // A source of feature vectors: no embedding, no vocabulary.
        if fixture.metadata["source_features"] != nil {
            json["source_vocabulary"] = nil
            json["source_tokens"] = "features"
        }
        let names = directory.url.appendingPathComponent(name + ".names.json")
        try JSONSerialization.data(withJSONObject: json).write(to: names)
        return (weights, names, fixture)
    }

    @Test(arguments: [
        "bi_l2", "attn_bi_l2", "uni_l1", "attn_uni_l1", "luong_bi_l2", "feat_bi_l1", "feat_attn_bi_l2",
        "feat_luong_uni_l1",
    ])
    func theImportComputesPyTorchsLogits(_ name: String) throws {
        let (weights, names, fixture) = try pytorchFiles(name)
        let target = EncoderDecoderDirectory(directory.url.appendingPathComponent(name))
        try Seq2SeqImportJob(input: weights, names: names, directory: target).run()
        let (model, manifest) = try target.load()
        #expect(
            manifest.configuration.attention
                == (name.contains("attn_") ? .additive : name.contains("luong_") ? .multiplicative : .none))
        let features = Int(fixture.metadata["source_features"] ?? "0")!
        #expect(manifest.configuration.sourceFeatureCount == features)
        #expect(
            manifest.targetTokens == .whitespace && manifest.sourceTokens == (features > 0 ? .features : .characters))
        func ids(_ key: String) throws -> [Int] { try fixture.require(key).scalars.map { Int($0) } }
        let source: EncoderInput =
            features > 0
            ? .features(try fixture.require("source").scalars, width: features) : .tokens(try ids("source"))
        let batch = TranslationBatch(
            source, sourceLengths: try ids("source_lengths"), targetInput: try ids("target_input"),
            targetOutput: try ids("target_output"), targetLengths: try ids("target_lengths"))
        let result = try model.teacherForced(batch, computesGradients: false)
        expectApproximatelyEqual(result.logits, try fixture.require("logits"), absoluteTolerance: 1e-5, "logits")
    }

    /// Tools/Reference/make_seq2seq_import_fixtures.py: PyTorch modules trained on a toy task,
    /// their state_dict, names file, held-out sources and PyTorch's own greedy decoding of them.
    @Test(arguments: ["none", "additive", "multiplicative", "features_additive"])
    func anImportedModelPredictsWhatPyTorchDecodes(_ name: String) throws {
        let fixtures = Self.fixtures.deletingLastPathComponent().appendingPathComponent("seq2seq-import")
        let target = EncoderDecoderDirectory(directory.url.appendingPathComponent(name))
        try Seq2SeqImportJob(
            input: fixtures.appendingPathComponent(name + ".pt.safetensors"),
            names: fixtures.appendingPathComponent(name + ".names.json"), directory: target
        ).run()
        let output = directory.url.appendingPathComponent(name + ".out.tsv")
        try Seq2SeqPredictionJob(
            directory: target, dataFile: fixtures.appendingPathComponent(name + ".sources.txt"), outputFile: output
        ).run()
        let predicted = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        let expected = try String(
            contentsOf: fixtures.appendingPathComponent(name + ".expected.tsv"), encoding: .utf8
        ).split(separator: "\n")
        #expect(predicted.count == expected.count && expected.count == 30)
        for (line, (ours, theirs)) in zip(predicted, expected).enumerated() {
            #expect(ours == theirs, "line \(line + 1)")
        }
    }

    @Test func wrongNamesOrWeightsAreOneLineErrors() throws {
        let cases: [((String?, Int, Bool), String)] = [
            (("context", 0, false), "modules has no \"context\""),
            ((nil, 1, false), "source_vocabulary has"),
            ((nil, 0, true), "tensor 'decoder.dropout_mask' is under none of the modules"),
        ]
        for ((dropping, shift, extra), fragment) in cases {
            let (weights, names, _) = try pytorchFiles(
                "bi_l1", dropping: dropping, vocabularyShift: shift, extra: extra)
            let target = EncoderDecoderDirectory(directory.url.appendingPathComponent("bad"))
            let error = #expect(throws: FormatError.self) {
                try Seq2SeqImportJob(input: weights, names: names, directory: target).run()
            }
            #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
            #expect(!FileManager.default.fileExists(atPath: target.url.path))
        }
    }

    @Test func aFeatureSourceWithAVocabularyIsAOneLineError() throws {
        let (weights, names, _) = try pytorchFiles("feat_bi_l1")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: names)) as? [String: Any])
        json["source_vocabulary"] = ["<pad>", "<unk>", "a"]
        try JSONSerialization.data(withJSONObject: json).write(to: names)
        let target = EncoderDecoderDirectory(directory.url.appendingPathComponent("bad"))
        let error = #expect(throws: FormatError.self) {
            try Seq2SeqImportJob(input: weights, names: names, directory: target).run()
        }
        #expect(error?.description.contains("source_tokens \"features\"") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: target.url.path))
    }
}
