import ArgumentParser
import Foundation
import GRUKit

/// `gru data`: seeded generators of the long-range benchmarks that tell a GRU, an LSTM and a
/// plain RNN apart.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Generate the long-range dependency benchmarks as .npy data sets.",
        discussion: """
            Each writes X.npy and y.npy into --output, which `gru train --train DIR --task TASK` reads. \
            The same --seed gives the same set.
            """,
        subcommands: [AddingCommand.self, CopyCommand.self]
    )

    struct AddingCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "adding",
            abstract: "The adding problem: the sum of two marked values (train with --task forecast).",
            discussion: """
                Each step holds (value in [0, 1), marker); two steps are marked, one in each half. \
                Predicting 1 gives a mean squared error of about 0.167; below 0.01 counts as solved.
                """
        )

        @Option(help: "Steps per sequence, T (at least 2).") var steps: Int
        @Option(help: "Sequences (default 10000).") var count = 10_000
        @Option(help: "Random seed.") var seed: UInt64 = 0
        @Option(help: "Directory to write X.npy and y.npy into.") var output: String

        func run() throws {
            try reportingErrors {
                try checkPathsNotEmpty([("--output", output)])
                // X and its file's bytes.
                try checkFitsInMemory(
                    bytes: CheckedArithmetic.product(16, count, steps), "\(count) sequences of \(steps) steps")
                let set = try AddingProblem.generate(steps: steps, count: count, seed: seed)
                try set.write(to: URL(fileURLWithPath: output))
                print("\(count) sequences of \(steps) steps (task forecast) -> \(output)")
            }
        }
    }

    struct CopyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy",
            abstract: "The copy-memory task: recall 10 symbols after a delay (train with --task tag).",
            discussion: """
                Ten symbols of eight, delay - 1 blanks, a delimiter, ten blanks: the targets are blanks \
                until the delimiter, then the ten symbols. Inputs are one-hot (10 features), sequences \
                delay + 20 steps. The baseline cross entropy is 10 ln 8 / (delay + 20) per step.
                """
        )

        @Option(help: "Steps between the symbols and their recall, T (at least 1).") var delay: Int
        @Option(help: "Sequences (default 10000).") var count = 10_000
        @Option(help: "Random seed.") var seed: UInt64 = 0
        @Option(help: "Directory to write X.npy and y.npy into.") var output: String

        func run() throws {
            try reportingErrors {
                try checkPathsNotEmpty([("--output", output)])
                try checkFitsInMemory(
                    bytes: CheckedArithmetic.product(88, count, CheckedArithmetic.sum(delay, 20)),
                    "\(count) sequences of \(delay) + 20 steps")
                let set = try CopyMemoryTask.generate(delay: delay, count: count, seed: seed)
                try set.write(to: URL(fileURLWithPath: output))
                print("\(count) sequences of \(delay + 20) steps (task tag) -> \(output)")
            }
        }
    }
}
