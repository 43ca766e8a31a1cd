import ArgumentParser
import Foundation
import GRUKit

struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Write a copy of a trained GRU model with its recurrent weights in int8 or bf16.",
        discussion: """
            The copy (model.json and weights.safetensors, no checkpoint: it is for inference) \
            holds the GRU's W_ih and W_hh of every layer and direction at --precision and \
            everything else in float32: int8 as I8 values with an F32 scale per output row \
            (<name>_scale; symmetric, as PyTorch's quantize_dynamic), bf16 as BF16, the scheme \
            named in the metadata key 'quantization'. It loads without the float weights: gru \
            evaluate, predict and generate run it at its precision unless --precision says \
            otherwise (float32 then runs the dequantized weights). The int8 product runs on \
            AVX512-VNNI where the processor has it, else on a portable version that computes \
            the same numbers; gru bench --precision int8 names the one that runs.
            """
    )

    @Option(help: "The model directory written by gru train.") var model: String
    @Option(help: "The weight precision of the copy: int8 or bf16.") var precision: InferencePrecision
    @Option(help: "The directory to write: new, empty, or one gru quantize wrote before.") var output: String

    func run() throws {
        try reportingErrors {
            try checkPathsNotEmpty([("--model", model), ("--output", output)])
            let result = try QuantizationJob(
                source: ModelDirectory(URL(fileURLWithPath: model)),
                destination: ModelDirectory(URL(fileURLWithPath: output)), precision: precision
            ).run()
            func megabytes(_ bytes: Int) -> String { String(format: "%.3f", Double(bytes) / 1e6) }
            print(
                "wrote \(output): the \(result.copy.configuration.cell.moduleName) stack's weights in "
                    + "\(precision.rawValue), \(megabytes(result.sourceWeightBytes)) MB -> "
                    + "\(megabytes(result.copyWeightBytes)) MB (\(QuantizedPanels.kernelName(of: precision)))")
        }
    }
}
