import ArgumentParser
import Foundation
import GRUKit

/// `gru gradient-norms`: how far back along a sequence the loss's gradient reaches, the
/// vanishing gradient that tells a plain RNN from a GRU or an LSTM.
struct GradientNormsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradient-norms",
        abstract: "Measure ||dL/dh_t|| against the distance from h_t to the end of the sequence.",
        discussion: """
            The first --sequences sequences of --data (one length, read as the training data was) \
            run through the model without dropout; for each distance d = 1 ... T-1 the mean over \
            them of the 2-norm of dL/dh_(T-1-d), the gradient of their loss with respect to the \
            hidden state (all layers and units; not an LSTM's c). Exact, not sampled: one run \
            per step. Prints CSV (distance,gradient_norm), or writes it to --output. \
            --at-initialization measures the model's architecture with fresh weights instead of \
            its trained ones. Unidirectional models only.
            """
    )

    @Option(help: "The model directory written by gru train.") var model: String
    @Option(help: "The data whose first sequences are measured.") var data: String
    @Option(help: "How many sequences (default 16).") var sequences = 16
    @Option(help: "Measure freshly initialized weights drawn from this seed.") var atInitialization: UInt64?
    @Option(help: "Write the CSV to this file (atomically) instead of standard output.") var output: String?

    func run() throws {
        try reportingErrors {
            try checkPathsNotEmpty([("--model", model), ("--data", data)] + (output.map { [("--output", $0)] } ?? []))
            let result = try StateGradientNormJob(
                directory: ModelDirectory(URL(fileURLWithPath: model)), dataFile: URL(fileURLWithPath: data),
                sequenceCount: sequences, initializationSeed: atInitialization
            ).run()
            guard let output else { return print(result.csv, terminator: "") }
            try writeAtomically(Data(result.csv.utf8), to: URL(fileURLWithPath: output))
            FileHandle.standardError.write(
                Data(
                    ("\(result.cell.rawValue): \(result.sequenceCount) sequences of \(result.steps) steps, "
                        + "loss \(result.measurement.loss) -> \(output)\n").utf8))
        }
    }
}
