import ArgumentParser
import Foundation
import GRUKit

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a trained model directory as an ONNX graph (.onnx) or a Keras 3 archive (.keras).",
        discussion: """
            The format is taken from the output's name. The exported model computes what gru \
            predict reports, on batch-major input. ONNX (opset 14, one GRU node per layer): input \
            `input`, (B, T, F) float raw features (normalized inside the graph) or (B, T) int64 \
            token ids, and `lengths`, (B) int64 valid steps (not for forecast, whose windows are \
            whole); output `output`: class probabilities (B, C), per-step tag or next-token \
            probabilities (B, T, C), or forecasts in the data's units (B, horizon x targets). \
            The metadata holds the labels, vocabulary, normalization and the whole model.json.

            Keras: a Keras 3 Sequential model (keras.saving.load_model reads it) taking token ids \
            (B, T) int32, 0 padding (Embedding mask_zero), or raw features (B, T, F) padded with \
            zeros (Masking, then the training data's Normalization; a real step whose features \
            are all 0 is taken for padding); it gives class or next-token probabilities \
            (softmax), per step for tag and language models, or forecasts in the data's units \
            (Normalization(invert=True)). metadata.json keeps the model directory's settings \
            under "grukit", so gru import gives the directory back.
            """
    )

    @Option(help: "The model directory (written by gru train or gru import).")
    var model: String

    @Option(help: "Where to write the model: FILE.onnx or FILE.keras.")
    var output: String

    func run() throws {
        try reportingErrors {
            try checkOutputPaths([("--output", output)], inputs: [("--model", model)])
            let format = try ModelExportJob(
                directory: ModelDirectory(URL(fileURLWithPath: model)), outputFile: URL(fileURLWithPath: output)
            ).run()
            printStatus("\(format.rawValue) -> \(output)", outputs: [output])
        }
    }
}
