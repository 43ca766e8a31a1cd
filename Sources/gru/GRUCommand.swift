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
        subcommands: [TrainCommand.self, EvaluateCommand.self, PredictCommand.self, GenerateCommand.self, ForwardCommand.self, BackwardCommand.self, InitCommand.self, BenchCommand.self]
    )

    /// Refuses a GRUKIT_NUM_THREADS that is not a thread count, selects fast BLAS kernels (see
    /// KernelSelection), then runs the command line.
    static func main() {
        if case .failure(let error) = ThreadCountSetting.requestedCount(in: ProcessInfo.processInfo.environment) {
            FileHandle.standardError.write(Data(errorLine(error).utf8))
            Foundation.exit(1)
        }
        KernelSelection.restartWithFasterKernelsIfNeeded()
        main(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
    }
}
