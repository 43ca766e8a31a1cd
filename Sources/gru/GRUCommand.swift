import ArgumentParser
import GRUKit

@main
struct GRUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gru",
        abstract: "Build, run and verify gated recurrent unit (GRU) networks.",
        discussion: """
            Weights are safetensors files with PyTorch nn.GRU names (weight_ih_l0, weight_hh_l0, \
            bias_ih_l0, bias_hh_l0, ..._reverse); arrays are NumPy .npy files.
            """,
        subcommands: [TrainCommand.self, EvaluateCommand.self, PredictCommand.self, GenerateCommand.self, ForwardCommand.self, BackwardCommand.self, InitCommand.self, BenchCommand.self]
    )

    /// Selects fast BLAS kernels (see KernelSelection), then runs the command line.
    static func main() {
        KernelSelection.restartWithFasterKernelsIfNeeded()
        main(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
    }
}
