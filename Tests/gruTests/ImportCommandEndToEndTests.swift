import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `gru import` end to end on models PyTorch exported (Tests/Fixtures/onnx-import, made by
/// Tools/Reference/make_onnx_import_fixtures.py): the directory it writes is one that `gru
/// predict` and `gru evaluate` read (predict's class probabilities are the softmax of PyTorch's
/// outputs on the fixture's input) and that `gru train --resume` fine-tunes; a file it cannot
/// import is one line on standard error, exit 1, and no directory.
@Suite(.tags(.endToEnd))
struct ImportCommandEndToEndTests {
    static let fixtures = ConvertCommandEndToEndTests.fixtures("onnx-import")

    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// The fixture's input (B, T, F), batch-first as .npy data sets hold it, as X.npy, with
    /// y.npy holding `classes` (every class id 0...4 among them, as the imported schema has).
    func writeData(from fixture: String, classes: [Int], shape: [Int]) throws -> Tensor {
        let tensors = try SafetensorsFile.read(
            contentsOf: Self.fixtures.appendingPathComponent(fixture + ".safetensors"))
        try Npy.write(try tensors.require("input"), to: directory.url.appendingPathComponent("X.npy"))
        try Npy.encodeIntegers(classes, shape: shape).write(to: directory.url.appendingPathComponent("y.npy"))
        return try tensors.require("output")
    }

    func importModel(_ fixture: String, extra: [String] = []) throws -> CommandResult {
        try CommandRunner.run(
            [
                "import", "--input", Self.fixtures.appendingPathComponent(fixture + ".onnx").path, "--model",
                directory.path("model"),
            ] + extra)
    }

    @Test func anImportedClassifierPredictsAsPyTorchEvaluatesAndResumes() throws {
        let output = try writeData(from: "classifier_l1_uni_batchfirst", classes: [4, 0, 2], shape: [3])
        var result = try importModel("classifier_l1_uni_batchfirst")
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("onnx -> \(directory.path("model"))"))

        result = try CommandRunner.run([
            "predict", "--model", directory.path("model"), "--data", directory.path("X.npy"), "--output",
            directory.path("predictions.csv"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let lines = try String(contentsOfFile: directory.path("predictions.csv"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.first == "index,source,prediction,p_0,p_1,p_2,p_3,p_4")
        // softmax of PyTorch's logits (B, 5), computed here.
        let classes = 5
        var expected: [Double] = []
        for row in 0..<3 {
            let logits = output.scalars[(row * classes)..<((row + 1) * classes)].map(Double.init)
            let exponentials = logits.map { exp($0 - logits.max()!) }
            expected += exponentials.map { $0 / exponentials.reduce(0, +) }
        }
        let probabilities = lines.dropFirst().flatMap { $0.split(separator: ",").suffix(classes).map { Double($0)! } }
        expectApproximatelyEqual(probabilities, expected, absoluteTolerance: 1e-6, "p_0...p_4")

        result = try CommandRunner.run([
            "evaluate", "--model", directory.path("model"), "--data", directory.path("X.npy"), "--json",
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("\"count\":3"))

        let before = try SafetensorsFile.read(
            contentsOf: directory.url.appendingPathComponent("model/weights.safetensors"))
        result = try CommandRunner.run([
            "train", "--resume", "--model", directory.path("model"), "--train", directory.path("X.npy"), "--epochs",
            "1",
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let log = try String(contentsOfFile: directory.path("model/log.jsonl"), encoding: .utf8)
        #expect(log.split(separator: "\n").count == 1)
        #expect(log.hasPrefix("{\"epoch\":1,"))
        let after = try SafetensorsFile.read(
            contentsOf: directory.url.appendingPathComponent("model/weights.safetensors"))
        #expect(after.names.sorted() == before.names.sorted())
        #expect(try after.require("head.weight") != before.require("head.weight"), "one epoch changes the weights")
    }

    @Test func anImportedTaggerPredictsEveryStepWithTheGivenLabels() throws {
        let ids = [0, 1, 2, 3, 4, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]
        let output = try writeData(from: "tagger_l1_uni_batchfirst", classes: ids, shape: [3, 6])
        let labels = ["O", "B-X", "I-X", "B-Y", "I-Y"]
        let result = try importModel("tagger_l1_uni_batchfirst", extra: ["--labels", labels.joined(separator: ",")])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let predict = try CommandRunner.run([
            "predict", "--model", directory.path("model"), "--data", directory.path("X.npy"), "--output",
            directory.path("tags.csv"),
        ])
        #expect(predict.exitCode == 0, "\(predict.standardError)")
        // Each step's tag is the label of PyTorch's largest logit (B, T, 5).
        let rows = try String(contentsOfFile: directory.path("tags.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 4)
        for sequence in 0..<3 {
            let expected = (0..<6).map { step -> String in
                let logits = output.scalars[((sequence * 6 + step) * 5)..<((sequence * 6 + step + 1) * 5)]
                return labels[logits.firstIndex(of: logits.max()!)! - logits.startIndex]
            }
            #expect(rows[sequence + 1].hasSuffix("," + expected.joined(separator: " ")), "\(rows[sequence + 1])")
        }
    }

    /// .ts data names its features dimension1... and declares its labels: given both, train
    /// --resume continues on it.
    @Test func featureNamesAndLabelsMatchingTSDataLetItResume() throws {
        try """
        @problemName tiny
        @timeStamps false
        @missing false
        @univariate false
        @dimensions 3
        @equalLength false
        @classLabel true a b c d e
        @data
        0.1,0.2,0.3:0.4,0.5,0.6:0.1,0.1,0.1:e
        0.3,0.2:0.1,0.5:0.7,0.1:a
        0.1,0.2,0.3,0.5:0.4,0.5,0.6,0.1:0.1,0.1,0.1,0.9:c
        0.2,0.2:0.3,0.5:0.7,0.4:b

        """.write(to: directory.url.appendingPathComponent("d.ts"), atomically: true, encoding: .utf8)
        let train = [
            "train", "--resume", "--model", directory.path("model"), "--train", directory.path("d.ts"), "--epochs", "1",
        ]
        var result = try importModel("classifier_l2_bi_timemajor", extra: ["--labels", "a,b,c,d,e"])
        #expect(result.exitCode == 0, "\(result.standardError)")
        result = try CommandRunner.run(train)
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains("training data that differs from the checkpoint's"))

        try FileManager.default.removeItem(atPath: directory.path("model"))
        result = try importModel(
            "classifier_l2_bi_timemajor",
            extra: ["--labels", "a,b,c,d,e", "--feature-names", "dimension1,dimension2,dimension3"])
        #expect(result.exitCode == 0, "\(result.standardError)")
        result = try CommandRunner.run(train)
        #expect(result.exitCode == 0, "\(result.standardError)")
        let log = try String(contentsOfFile: directory.path("model/log.jsonl"), encoding: .utf8)
        #expect(log.split(separator: "\n").count == 1)
    }

    @Test(arguments: [
        ("unsupported_tanh_before_head", [String](), "node '/Tanh' (Tanh)"),
        ("unsupported_bare_gru", [], "use gru convert for a bare GRU"),
        ("classifier_l2_bi_timemajor", ["--labels", "a,b"], "--labels: 2 labels; expected 5, one per output of"),
        (
            "classifier_l2_bi_timemajor", ["--feature-names", "x,y"],
            "--feature-names: 2 names; expected 3, one per feature"
        ),
    ])
    func aFileThatCannotBeImportedIsOneLineAndNoDirectory(fixture: String, extra: [String], message: String) throws {
        let result = try importModel(fixture, extra: extra)
        #expect(result.exitCode == 1)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(result.standardError.hasPrefix("error: "))
        #expect(result.standardError.contains(message), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("model")))
    }
}
