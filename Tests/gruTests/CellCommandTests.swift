import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `gru train --cell` end to end: every cell and regularizer trains a model that `gru
/// evaluate` reads back, with the stack's tensors named after the cell; flags that do not
/// apply to a cell and exports of cells the formats lack are one-line errors; `gru data`
/// writes a set `gru train` reads.
@Suite(.tags(.endToEnd))
struct CellCommandEndToEndTests {
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
                "--hidden-size", "5", "--batch-size", "8", "--epochs", "2", "--seed", "3",
            ] + extra)
    }

    static let runs: [(name: String, flags: [String], module: String)] = [
        ("lstm", ["--cell", "lstm", "--layers", "2", "--bidirectional", "--recurrent-dropout", "0.2"], "lstm"),
        ("rnn", ["--cell", "rnn", "--nonlinearity", "relu"], "rnn"),
        ("layer-norm-gru", ["--cell", "layer-norm-gru", "--zoneout", "0.1", "--weight-drop", "0.2"], "layer_norm_gru"),
        ("gru-regularized", ["--zoneout", "0.2", "--weight-drop", "0.3", "--trainable-initial-state"], "gru"),
        ("lstm-initial-state", ["--cell", "lstm", "--trainable-initial-state", "--weight-drop", "0.2"], "lstm"),
    ]

    @Test(arguments: runs.indices)
    func everyCellTrainsAndEvaluates(index: Int) throws {
        let run = Self.runs[index]
        let result = try train(run.name, run.flags)
        #expect(result.exitCode == 0, "\(run.name): \(result.standardError)")
        #expect(result.standardOutput.contains("epoch 2/2"))
        let weights = try SafetensorsFile.read(
            contentsOf: directory.url.appendingPathComponent("\(run.name)/weights.safetensors"))
        #expect(weights.names.contains("\(run.module).weight_hh_l0"), "\(weights.names)")
        if run.flags.contains("--trainable-initial-state") {
            #expect(weights.names.contains("\(run.module).initial_hidden_state"))
            #expect(weights.names.contains("\(run.module).initial_cell_state") == (run.module == "lstm"))
        }
        let evaluation = try CommandRunner.run([
            "evaluate", "--model", directory.path(run.name), "--data", directory.path("adding"),
        ])
        #expect(evaluation.exitCode == 0, "\(run.name): \(evaluation.standardError)")
    }

    @Test func flagsThatDoNotApplyToTheCellAreOneLineErrors() throws {
        for (flags, fragment) in [
            (["--cell", "lstm", "--variant", "reset-before"], "--variant"),
            (["--nonlinearity", "relu"], "--nonlinearity"),
            (["--zoneout", "1"], "zoneout is 1.0"),
            (["--cell", "cnn"], "cnn"),
        ] {
            let result = try train("bad", flags)
            #expect(result.exitCode != 0, "\(flags)")
            #expect(result.standardError.contains(fragment), "\(flags): \(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(flags): \(result.standardError)")
        }
    }

    @Test func weightsOfAnotherCellAreOneLineErrorsNamingTheTensor() throws {
        #expect(try train("lstm-weights", ["--cell", "lstm"]).exitCode == 0)
        #expect(try train("gru-weights", []).exitCode == 0)
        let weights = "weights.safetensors"
        let swapped = directory.url.appendingPathComponent("gru-weights/\(weights)")
        try FileManager.default.removeItem(at: swapped)
        try FileManager.default.copyItem(
            at: directory.url.appendingPathComponent("lstm-weights/\(weights)"), to: swapped)
        let evaluation = try CommandRunner.run([
            "evaluate", "--model", directory.path("gru-weights"), "--data", directory.path("adding"),
        ])
        #expect(evaluation.exitCode == 1)
        #expect(evaluation.standardError.contains("gru.weight_ih_l0: missing"), "\(evaluation.standardError)")
        #expect(evaluation.standardError.split(separator: "\n").count == 1, "\(evaluation.standardError)")
    }

    @Test func exportRefusesCellsTheFormatsLack() throws {
        #expect(try train("lstm-export", ["--cell", "lstm"]).exitCode == 0)
        let export = try CommandRunner.run([
            "export", "--model", directory.path("lstm-export"), "--output", directory.path("lstm.onnx"),
        ])
        #expect(export.exitCode == 1)
        #expect(export.standardError.contains("LSTM cells"), "\(export.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("lstm.onnx")))
    }
}
