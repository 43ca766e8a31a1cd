import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `gru predict --probabilities` on a tiny tagger trained here: the column holds every valid
/// step's softmax as the library's forward gives it (computed here, not by PredictionJob), and
/// the flag is refused for a model that does not predict every step.
@Suite(.tags(.endToEnd))
struct PredictProbabilitiesEndToEndTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        try Data("the DET\ncat NOUN\nsat VERB\n\na DET\ndog NOUN\n\nthe DET\nlog NOUN\nran VERB\nhome NOUN\n".utf8)
            .write(to: directory.url.appendingPathComponent("tags.conll"))
        try Data("label,text\npos,good great\nneg,bad awful\n".utf8)
            .write(to: directory.url.appendingPathComponent("reviews.csv"))
    }

    private func train(_ data: String, into name: String) throws -> String {
        var recipe = TrainingRecipe()
        recipe.model.hiddenSize = 4
        recipe.optimization.epochs = 1
        recipe.optimization.batchSize = 2
        let file = directory.url.appendingPathComponent(data)
        try TrainingJob(
            recipe: recipe, trainingFile: file, validationFile: file,
            directory: ModelDirectory(directory.url.appendingPathComponent(name)), resume: false
        ).prepare().run()
        return directory.path(name)
    }

    @Test func everyStepsSoftmaxIsWritten() throws {
        let model = try train("tags.conll", into: "tagger")
        let output = directory.path("p.csv")
        let result = try CommandRunner.run([
            "predict", "--model", model, "--data", directory.path("tags.conll"), "--output", output, "--probabilities",
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "index,source,prediction,probabilities")

        let (trained, manifest) = try ModelDirectory(URL(fileURLWithPath: model)).loadModel()
        let dataset = try DataLoader.load(
            directory.url.appendingPathComponent("tags.conll"), options: manifest.dataOptions, schema: manifest.data)
        #expect(lines.count == dataset.count + 1)
        for (index, example) in dataset.examples.enumerated() {
            let logits = try trained.forward(SequenceBatch(examples: [example], exampleIndices: [0])).output  // (T, C)
            let width = logits.shape[1]
            let expected = (0..<example.length).flatMap { step -> [Double] in
                let row = logits.scalars[(step * width)..<((step + 1) * width)].map(Double.init)
                let maximum = row.max()!
                let sum = row.reduce(0) { $0 + exp($1 - maximum) }
                return row.map { exp($0 - maximum) / sum }
            }
            let field = try #require(lines[index + 1].split(separator: ",").last)
            let steps = field.split(separator: ";")
            #expect(steps.count == example.length)
            let written = steps.flatMap { $0.split(separator: " ").map { Float(String($0))! } }
            expectApproximatelyEqual(written, expected, absoluteTolerance: 1e-6, "sequence \(index)")
        }
    }

    @Test func aClassifierRefusesTheFlagInOneLine() throws {
        let model = try train("reviews.csv", into: "classifier")
        let result = try CommandRunner.run([
            "predict", "--model", model, "--data", directory.path("reviews.csv"), "--output", directory.path("p.csv"),
            "--probabilities",
        ])
        #expect(result.exitCode == 1)
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(result.standardError.contains("--probabilities") && result.standardError.contains("classify"))
        #expect(!FileManager.default.fileExists(atPath: directory.path("p.csv")))
    }
}
