import ArgumentParser
import Foundation
import GRUKit

@main
struct GRUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gru",
        abstract: "Build, run and verify gated recurrent unit (GRU) networks.",
        discussion: """
            Weights are safetensors files with PyTorch nn.GRU names (weight_ih_l0, weight_hh_l0, \
            bias_ih_l0, bias_hh_l0, ..._reverse); arrays are NumPy .npy files. GRUKit splits its \
            work over the cores the process may use (at most 8); GRUKIT_NUM_THREADS=N (1 to 16) \
            sets the thread count instead, up to those cores.
            """,
        subcommands: [
            TrainCommand.self, EvaluateCommand.self, PredictCommand.self, GenerateCommand.self, ForwardCommand.self,
            BackwardCommand.self, InitCommand.self, ConvertCommand.self, ExportCommand.self, ImportCommand.self,
            BenchCommand.self, DataCommand.self, GradientNormsCommand.self, QuantizeCommand.self,
        ]
    )

    /// Refuses a GRUKIT_NUM_THREADS that is not a thread count, selects fast BLAS kernels (see
    /// KernelSelection), then runs the command line.
    static func main() {
        if case .failure(let error) = ThreadCountSetting.requestedCount(in: ProcessInfo.processInfo.environment) {
            FileHandle.standardError.write(Data(errorLine(error).utf8))
            Foundation.exit(1)
        }
        KernelSelection.restartWithFasterKernelsIfNeeded()
        run(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
    }

    /// Parses and runs `arguments`. A flag error (an unknown flag, a bad value, a missing option)
    /// is one line on standard error, as every other error is, with the parser's exit code (64);
    /// `--help` and `gru help` print the full help and exit 0, as the parser does.
    static func run(_ arguments: [String]) -> Never {
        do {
            try parseAndRun(arguments)
            Foundation.exit(0)
        } catch let code as ExitCode {
            // The command printed its own line (see `reportingErrors`).
            Foundation.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            // Help, version and other clean exits keep the parser's complete output.
            guard code != .success else { exit(withError: error) }
            let usage = UsageError(message(for: error), helpCommand: helpCommand(for: arguments))
            FileHandle.standardError.write(Data(errorLine(usage).utf8))
            Foundation.exit(code.rawValue)
        }
    }

    /// Parses `arguments` into the command they name and runs it.
    private static func parseAndRun(_ arguments: [String]) throws {
        var command = try parseAsRoot(arguments)
        try command.run()
    }

    /// The help command to point to for a flag error in `arguments`: `gru train --help` when
    /// they name the train subcommand, else `gru --help`.
    private static func helpCommand(for arguments: [String]) -> String {
        let names = configuration.subcommands.map { $0._commandName }
        let subcommand = arguments.first { names.contains($0) }
        return (["gru"] + (subcommand.map { [$0] } ?? []) + ["--help"]).joined(separator: " ")
    }
}

/// A flag error as `errorLine` prints it: the parser's message and where the full usage is,
/// without the usage block the parser would print.
private struct UsageError: Error, CustomStringConvertible {
    let description: String

    init(_ message: String, helpCommand: String) {
        // The parser's message may end in a newline or add a line of suggestions; the lines are
        // joined with "; " so that nothing it said is lost.
        let lines = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        description = (lines.filter { !$0.isEmpty } + ["see '\(helpCommand)'"]).joined(separator: "; ")
    }
}
