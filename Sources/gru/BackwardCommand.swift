import ArgumentParser
import Foundation
import GRUKit

struct BackwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backward",
        abstract: "Backpropagate through time: gradients of the input, initial state and every weight.",
        discussion: """
            Writes a safetensors file with tensors 'input', 'initial_state' and one per weight \
            under the weight's own name, for the loss sum(output * dY) + sum(final_state * dHN).
            """
    )

    @OptionGroup var weightOptions: WeightOptions
    @OptionGroup var sequenceOptions: SequenceOptions

    @Option(help: "Gradient of the output (.npy), the output's shape.")
    var gradOutput: String

    @Option(help: "Gradient of the final states (.npy): (layers*D, B, H). Default: zeros.")
    var gradFinalState: String?

    @Option(help: "Where to write the gradients (.safetensors).")
    var output: String

    func run() throws {
        try reportingErrors {
            try checkOutputPaths(
                [("--output", output)],
                inputs: weightOptions.inputPaths + sequenceOptions.inputPaths
                    + [("--grad-output", gradOutput), ("--grad-final-state", gradFinalState)])
            let gru = try weightOptions.load()
            let result = try sequenceOptions.run(gru)
            let outputGradient = try SequenceFiles.readTensor(
                URL(fileURLWithPath: gradOutput), role: "output gradient", rank: 3)
            let finalStateGradient = try gradFinalState.map {
                try SequenceFiles.readTensor(URL(fileURLWithPath: $0), role: "final state gradient", rank: 3)
            }
            let gradients = try gru.backward(
                result, outputGradient: outputGradient, finalStateGradient: finalStateGradient)
            let tensors =
                [("input", gradients.input), ("initial_state", gradients.initialState)]
                + PyTorchGRUNames.namedTensors(of: gradients.parameters).map { ($0.name, $0.tensor) }
            if let (name, _) = tensors.first(where: { !$0.1.isFinite }) {
                throw GRUInputError(
                    .tensor("the gradient '\(name)'"), found: "overflowed to NaN or infinity",
                    expected: "finite gradients (are the output or final state gradients too large for float32?)")
            }
            try SafetensorsFile(
                tensors.map { (name: $0.0, tensor: $0.1) },
                metadata: ["variant": gru.configuration.variant.rawValue],
                fileName: output
            ).write(to: URL(fileURLWithPath: output))
            for (name, tensor) in tensors {
                let largest = tensor.scalars.lazy.map(abs).max() ?? 0
                printStatus(
                    "\(name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(tensor.shape)  max |gradient| \(largest)",
                    outputs: [output])
            }
            printStatus("\(tensors.count) gradient tensors -> \(output)", outputs: [output])
        }
    }
}
