import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `gru train --activation --recurrent-activation` end to end: GRU and LSTM models train with
/// Keras's activations, save them in model.json, and `gru predict` and `gru evaluate` read them
/// back; the flags on cells that lack them, and unknown names, are one-line errors.
@Suite(.tags(.endToEnd))
struct ActivationCommandEndToEndTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        let generated = try CommandRunner.run([
            "data", "adding", "--steps", "8", "--count", "40", "--seed", "1", "--output", directory.path("adding"),
        ])
        #expect(generated.exitCode == 0, "\(generated.standardError)")
    }

    private func train(_ model: String, _ extra: [String]) throws -> CommandResult {
        try CommandRunner.run(
            [
                "train", "--train", directory.path("adding"), "--task", "forecast", "--model", directory.path(model),
                "--hidden-size", "5", "--batch-size", "8", "--epochs", "1", "--seed", "3",
            ] + extra)
    }

    static let runs: [(name: String, flags: [String])] = [
        ("gru", ["--activation", "relu", "--recurrent-activation", "hard_sigmoid"]),
        (
            "gru-reset-before",
            ["--variant", "reset-before", "--activation", "linear", "--recurrent-activation", "sigmoid"]
        ),
        ("lstm", ["--cell", "lstm", "--activation", "relu", "--recurrent-activation", "HardSigmoid"]),
    ]

    @Test(arguments: runs.indices)
    func modelsTrainWithTheActivationsAndReadThemBack(index: Int) throws {
        let run = Self.runs[index]
        let result = try train(run.name, run.flags)
        #expect(result.exitCode == 0, "\(run.name): \(result.standardError)")
        let saved = try ModelDirectory(directory.url.appendingPathComponent(run.name)).loadManifest().model
        let activation = run.flags[run.flags.firstIndex(of: "--activation")! + 1]
        let recurrent = run.flags[run.flags.firstIndex(of: "--recurrent-activation")! + 1]
        #expect(saved.activation == (try RecurrentActivation(parsing: activation)))
        #expect(saved.recurrentActivation == (try RecurrentActivation(parsing: recurrent)))

        let output = directory.path("\(run.name).csv")
        let prediction = try CommandRunner.run([
            "predict", "--model", directory.path(run.name), "--data", directory.path("adding"), "--output", output,
        ])
        #expect(prediction.exitCode == 0, "\(run.name): \(prediction.standardError)")
        #expect(FileManager.default.fileExists(atPath: output))
        let evaluation = try CommandRunner.run([
            "evaluate", "--model", directory.path(run.name), "--data", directory.path("adding"),
        ])
        #expect(evaluation.exitCode == 0, "\(run.name): \(evaluation.standardError)")
    }

    @Test func flagsThatDoNotApplyAndUnknownNamesAreOneLineErrors() throws {
        for (flags, fragments) in [
            (["--cell", "rnn", "--activation", "relu"], ["--activation", "GRU and LSTM models"]),
            (["--cell", "layer-norm-gru", "--recurrent-activation", "hard_sigmoid"], ["--recurrent-activation"]),
            (["--activation", "swish"], ["swish", "hard_sigmoid", "linear"]),
            (["--cell", "lstm", "--recurrent-activation", "softsign"], ["softsign", "'tanh', 'relu'"]),
        ] {
            let result = try train("bad", flags)
            #expect(result.exitCode != 0, "\(flags)")
            for fragment in fragments {
                #expect(result.standardError.contains(fragment), "\(flags): \(result.standardError)")
            }
            #expect(result.standardError.split(separator: "\n").count == 1, "\(flags): \(result.standardError)")
        }
    }
}
