import ArgumentParser
import Foundation
import GRUKit

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample text from a trained language model.",
        discussion: """
            Prints the prompt followed by --length sampled tokens (characters for a character \
            model). Without a prompt, sampling starts after a line break. The same --seed gives \
            the same text.
            """
    )

    @Option(help: "The model directory of a language model written by gru train.") var model: String
    @Option(help: "The text to continue.") var prompt: String?
    @Option(help: "Tokens to sample (default 200).") var length = 200
    @Option(
        help: "Softmax temperature: below 1 is more conservative, 0 always takes the most likely token (default 1).")
    var temperature: Float = 1
    @Option(help: "Sample among the K most likely tokens only.") var topK: Int?
    @Option(help: "Seed of the sampling (default 0).") var seed: UInt64 = 0
    @Option(
        help: ArgumentHelp(
            "The GRU's weight precision for inference: float32, bf16 or int8 (see gru forward --help).",
            discussion: "Default: the precision the weights are stored at (float32, or gru quantize's)."))
    var precision: InferencePrecision?

    func run() throws {
        try reportingErrors {
            try checkPathsNotEmpty([("--model", model)])
            var job = GenerationJob(
                directory: ModelDirectory(URL(fileURLWithPath: model)), prompt: prompt, length: length,
                temperature: temperature, topK: topK, seed: seed)
            job.precision = precision
            let generated = try job.run()
            print(generated.text)
        }
    }
}
