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

    func run() throws {
        try reportingErrors {
            let gru = try weightOptions.load()
            let result = try sequenceOptions.run(gru)
            try Npy.write(result.output, to: URL(fileURLWithPath: output))
            print("output \(result.output.shape) -> \(output)")
            if let finalState {
                try Npy.write(result.finalState, to: URL(fileURLWithPath: finalState))
                print("final state \(result.finalState.shape) -> \(finalState)")
            }
        }
    }
}
