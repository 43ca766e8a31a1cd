import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// A flag error (unknown flag, bad value, missing option) is one line on standard error, as
/// every other error is, with the parser's usage exit code; `--help` keeps the whole usage.
@Suite(.tags(.endToEnd))
struct FlagErrorEndToEndTests {
    private func expectOneLineUsageError(
        _ arguments: [String], mentions fragments: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let result = try CommandRunner.run(arguments)
        #expect(result.exitCode == 64, sourceLocation: sourceLocation)
        #expect(result.standardOutput.isEmpty, "\(result.standardOutput)", sourceLocation: sourceLocation)
        let lines = result.standardError.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "\(result.standardError)", sourceLocation: sourceLocation)
        #expect(result.standardError.hasPrefix("error: "), "\(result.standardError)", sourceLocation: sourceLocation)
        #expect(!result.standardError.contains("USAGE"), "\(result.standardError)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(result.standardError.contains(fragment), "\(result.standardError)", sourceLocation: sourceLocation)
        }
    }

    @Test func anUnknownFlagIsOneLine() throws {
        try expectOneLineUsageError(
            ["train", "--train", "a.csv", "--model", "m", "--hiden-size", "8"],
            mentions: ["'--hiden-size'", "see 'gru train --help'"])
    }

    @Test func aBadValueIsOneLine() throws {
        try expectOneLineUsageError(
            ["train", "--train", "a.csv", "--model", "m", "--epochs", "ten"], mentions: ["'ten'", "--epochs"])
        try expectOneLineUsageError(
            [
                "forward", "--weights", "w.safetensors", "--input", "x.npy", "--output", "y.npy", "--variant",
                "sideways",
            ],
            mentions: ["'sideways'", "reset-after", "see 'gru forward --help'"])
    }

    @Test func aMissingOptionIsOneLine() throws {
        try expectOneLineUsageError(["train", "--model", "m"], mentions: ["--train", "see 'gru train --help'"])
    }

    @Test func aValidationErrorIsOneLine() throws {
        try expectOneLineUsageError(
            ["init", "--input-size", "3", "--hidden-size", "0", "--output", "y.safetensors"],
            mentions: ["--hidden-size must be at least 1, got 0", "see 'gru init --help'"])
    }

    @Test func anUnknownSubcommandIsOneLine() throws {
        try expectOneLineUsageError(["trian"], mentions: ["trian", "see 'gru --help'"])
    }

    @Test func helpIsCompleteAndExitsZero() throws {
        let help = try CommandRunner.run(["train", "--help"])
        #expect(help.exitCode == 0)
        #expect(help.standardError.isEmpty, "\(help.standardError)")
        for fragment in ["USAGE:", "OPTIONS:", "--hidden-size", "--truncated-bptt", "--min-frequency", "--config"] {
            #expect(help.standardOutput.contains(fragment), "\(fragment) missing from\n\(help.standardOutput)")
        }
        let subcommand = try CommandRunner.run(["help", "train"])
        #expect(subcommand.exitCode == 0)
        #expect(subcommand.standardOutput == help.standardOutput)
        let root = try CommandRunner.run([])
        #expect(root.exitCode == 0)
        #expect(root.standardOutput.contains("SUBCOMMANDS:"), "\(root.standardOutput)")
    }

    /// Every `--config` key is a flag (its name with dashes), and every setting flag a key.
    @Test func everyKeyHasAFlagAndEveryFlagAKey() throws {
        let help = try CommandRunner.run(["train", "--help"])
        #expect(help.exitCode == 0)
        let flags = Set(help.standardOutput.matches(of: /--([a-z][a-z-]*)/).map { String($0.output.1) })
        let files: Set = ["train", "validation", "model", "config", "resume", "help", "no-normalize"]
        let keys = Set(TrainingRecipe.configurationKeys.map { $0.replacingOccurrences(of: "_", with: "-") })
        #expect(keys.subtracting(flags).isEmpty, "keys without a flag")
        #expect(flags.subtracting(files).subtracting(keys).isEmpty, "flags without a key")
    }
}
