import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `gru export --output FILE.keras` and `gru import --input FILE.keras` end to end: a trained
/// model exported and imported again predicts exactly as before (same CSV) and keeps its
/// settings; a model Keras saved (Tests/Fixtures/keras-models/token_classifier.keras, made by
/// Tools/Reference/make_keras_model_fixtures.py) imports with `--labels` and `gru predict` gives
/// Keras's probabilities on the fixture's ids; what cannot be imported is one `error:` line.
@Suite(.tags(.endToEnd))
struct KerasCommandEndToEndTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/keras-models")

    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    private func write(_ text: String, to name: String) throws {
        try Data(text.utf8).write(to: directory.url.appendingPathComponent(name))
    }

    private func predict(_ model: String, data: String) throws -> String {
        let output = directory.path(model + ".csv")
        let result = try CommandRunner.run([
            "predict", "--model", directory.path(model), "--data", directory.path(data), "--output", output,
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        return try String(contentsOfFile: output, encoding: .utf8)
    }

    @Test func anExportedClassifierImportsBackAndPredictsTheSame() throws {
        try write(
            "label,text\npos,good great fine\nneg,bad awful\npos,nice good\nneg,poor bad terrible\npos,great\n",
            to: "reviews.csv")
        var result = try CommandRunner.run([
            "train", "--train", directory.path("reviews.csv"), "--model", directory.path("trained"), "--epochs", "2",
            "--hidden-size", "6", "--batch-size", "2", "--bidirectional", "--layers", "2", "--variant", "reset-before",
            "--validation", directory.path("reviews.csv"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        result = try CommandRunner.run([
            "export", "--model", directory.path("trained"), "--output", directory.path("model.keras"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("keras -> \(directory.path("model.keras"))"))
        result = try CommandRunner.run([
            "import", "--input", directory.path("model.keras"), "--model", directory.path("imported"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(try predict("imported", data: "reviews.csv") == predict("trained", data: "reviews.csv"))
        let trained = try ModelDirectory(URL(fileURLWithPath: directory.path("trained"))).loadModel()
        let imported = try ModelDirectory(URL(fileURLWithPath: directory.path("imported"))).loadModel()
        #expect(imported.model.parameters.map(\.bitPattern) == trained.model.parameters.map(\.bitPattern))
        #expect(imported.manifest == trained.manifest)
    }

    @Test func anExportedLanguageModelKeepsItsSequenceLength() throws {
        try write(String(repeating: "the cat sat on the mat.\nthe dog sat on the log.\n", count: 3), to: "text.txt")
        var result = try CommandRunner.run([
            "train", "--train", directory.path("text.txt"), "--validation", directory.path("text.txt"), "--model",
            directory.path("trained"), "--epochs", "1", "--hidden-size", "5", "--sequence-length", "12",
            "--variant", "reset-before",
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        result = try CommandRunner.run([
            "export", "--model", directory.path("trained"), "--output", directory.path("lm.keras"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        result = try CommandRunner.run([
            "import", "--input", directory.path("lm.keras"), "--model", directory.path("imported"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let predictions = try predict("imported", data: "text.txt")
        #expect(predictions == (try predict("trained", data: "text.txt")))
        #expect(predictions.split(separator: "\n").dropFirst().first?.contains(",12,") == true)
    }

    @Test func aKerasModelImportsWithLabelsAndPredictsAsKeras() throws {
        struct Fixture: Decodable {
            var inputs: [[Int]]
            var lengths: [Int]
            var predictions: [[Double]]
        }
        let fixture = try JSONDecoder().decode(
            Fixture.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("token_classifier.json")))
        // The imported vocabulary names ids by themselves: "2" is id 2.
        let texts = zip(fixture.inputs, fixture.lengths).map { ids, length in
            ids.prefix(length).map(String.init).joined(separator: " ")
        }
        try write("text\n" + texts.joined(separator: "\n") + "\n", to: "ids.csv")
        let result = try CommandRunner.run([
            "import", "--input", Self.fixtures.appendingPathComponent("token_classifier.keras").path, "--model",
            directory.path("keras"), "--labels", "red,green,blue",
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let lines = try predict("keras", data: "ids.csv").split(separator: "\n")
        #expect(lines.first == "index,source,prediction,p_red,p_green,p_blue")
        let probabilities = lines.dropFirst().flatMap { $0.split(separator: ",").suffix(3).map { Double($0)! } }
        expectApproximatelyEqual(probabilities, fixture.predictions.flatMap { $0 }, absoluteTolerance: 1e-5)
    }

    @Test func labelsOfTheWrongCountAreOneLineAndWriteNothing() throws {
        let input = Self.fixtures.appendingPathComponent("token_classifier.keras").path
        let result = try CommandRunner.run([
            "import", "--input", input, "--model", directory.path("keras"), "--labels", "a,b",
        ])
        #expect(result.exitCode == 1)
        #expect(
            result.standardError
                == "error: \(input): --labels: 2 names; expected 3 distinct names, one per output of the model\n")
        #expect(!FileManager.default.fileExists(atPath: directory.path("keras")))
    }
}
