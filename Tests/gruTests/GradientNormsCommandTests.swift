import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `gru gradient-norms` end to end: a CSV of T - 1 distances for a trained model and for the
/// same architecture at initialization, written atomically with --output; models and data it
/// cannot measure are one-line errors.
@Suite(.tags(.endToEnd))
struct GradientNormsCommandEndToEndTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        let generated = try CommandRunner.run([
            "data", "adding", "--steps", "9", "--count", "24", "--seed", "1", "--output", directory.path("adding"),
        ])
        #expect(generated.exitCode == 0, "\(generated.standardError)")
    }

    private func train(_ model: String, _ extra: [String] = []) throws {
        let result = try CommandRunner.run(
            [
                "train", "--train", directory.path("adding"), "--task", "forecast", "--model", directory.path(model),
                "--hidden-size", "4", "--batch-size", "8", "--epochs", "1", "--seed", "3",
            ] + extra)
        #expect(result.exitCode == 0, "\(result.standardError)")
    }

    /// The CSV's norms, after checking its header and distances 1 ... 8.
    private func norms(_ csv: String) -> [Double] {
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "distance,gradient_norm")
        let rows = lines.dropFirst().map { $0.split(separator: ",") }
        #expect(rows.map { Int($0[0]) } == Array(1...8))
        return rows.compactMap { Double($0[1]) }
    }

    @Test func printsTheNormAtEveryDistanceTrainedAndAtInitialization() throws {
        try train("lstm", ["--cell", "lstm"])
        let trained = try CommandRunner.run([
            "gradient-norms", "--model", directory.path("lstm"), "--data", directory.path("adding"), "--sequences", "4",
        ])
        #expect(trained.exitCode == 0, "\(trained.standardError)")
        let trainedNorms = norms(trained.standardOutput)
        #expect(trainedNorms.count == 8 && trainedNorms.allSatisfy { $0 > 0 && $0.isFinite })

        let output = directory.path("initial.csv")
        let initial = try CommandRunner.run([
            "gradient-norms", "--model", directory.path("lstm"), "--data", directory.path("adding"),
            "--at-initialization", "7", "--output", output,
        ])
        #expect(initial.exitCode == 0, "\(initial.standardError)")
        #expect(initial.standardError.contains("lstm: 16 sequences of 9 steps"), "\(initial.standardError)")
        let initialNorms = norms(try String(contentsOfFile: output, encoding: .utf8))
        #expect(initialNorms.count == 8 && initialNorms != trainedNorms)
    }

    @Test func unmeasurableModelsAndSettingsAreOneLineErrors() throws {
        try train("bidirectional", ["--bidirectional"])
        for (arguments, fragment) in [
            (["--model", directory.path("bidirectional")], "unidirectional"),
            (["--model", directory.path("bidirectional"), "--sequences", "0"], "--sequences"),
            (["--model", directory.path("missing")], "no such model directory"),
        ] {
            let result = try CommandRunner.run(["gradient-norms", "--data", directory.path("adding")] + arguments)
            #expect(result.exitCode != 0, "\(arguments)")
            #expect(result.standardError.contains(fragment), "\(arguments): \(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(arguments): \(result.standardError)")
        }
    }
}
