import ArgumentParser
import Foundation
import GRUKit

struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Run a GRU over input sequences and write its outputs.",
        discussion: "Outputs past a sequence's length are zero; final states are at each sequence's last valid step."
    )

    @OptionGroup var weightOptions: WeightOptions
    @OptionGroup var sequenceOptions: SequenceOptions

    @Option(help: "Where to write the output (.npy): (T, B, D*H), or (B, T, D*H) with --batch-first.")
    var output: String

    @Option(help: "Where to write the final states (.npy): (layers*D, B, H).")
    var finalState: String?

    @Option(
        help: ArgumentHelp(
            "The weights' precision: float32, bf16 or int8.",
            discussion:
                "bf16 rounds W_ih and W_hh, and the activations per row and step, to bfloat16 and sums in float32; int8 quantizes them per output row and the activations per row and step, summed exactly in int32. Biases and states stay float32."
        ))
    var precision: InferencePrecision = .float32

    func run() throws {
        try reportingErrors {
            try checkOutputPaths(
                [("--output", output), ("--final-state", finalState)],
                inputs: weightOptions.inputPaths + sequenceOptions.inputPaths)
            let gru = try weightOptions.load()
            let result = try sequenceOptions.infer(gru, precision: precision)
            // Both files or neither: a final state that cannot be written keeps the old output.
            var files = [(data: Npy.encode(result.output), url: URL(fileURLWithPath: output))]
            if let finalState { files.append((Npy.encode(result.finalState), URL(fileURLWithPath: finalState))) }
            try writeAtomically(files)
            printStatus("output \(result.output.shape) -> \(output)", outputs: [output, finalState])
            if let finalState {
                printStatus("final state \(result.finalState.shape) -> \(finalState)", outputs: [output, finalState])
            }
        }
    }
}
