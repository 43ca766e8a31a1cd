import ArgumentParser
import Foundation
import GRUKit

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an ONNX graph (.onnx) or a Keras 3 archive (.keras) as a model directory.",
        discussion: """
            The format is taken from the input's name. The directory is what gru train writes: \
            gru evaluate, predict, generate and train --resume accept it (a checkpoint at epoch 0 \
            with gru train's default settings, or the settings a .keras file from gru export \
            records, so train --resume --epochs N fine-tunes the imported weights).

            ONNX: what torch.onnx.export (opset 14) writes for an nn.GRU followed by an nn.Linear \
            head: on every step of the GRU's output (a tag model) or on the last layer's final \
            state, h_n[-1] or torch.cat([h_n[-2], h_n[-1]], 1) (a classify model with last-state \
            pooling); batch-first or time-major, with or without pack_padded_sequence. The \
            features are named feature1... and the classes 0...C-1 (or --labels), as .npy data \
            sets are read. A bare GRU is gru convert's; any other op between the input and the \
            head's output is an error naming the node.

            Keras: a Sequential or one-chain Functional model of InputLayer, Embedding \
            (mask_zero=True) or Masking(0) and Normalization, GRU or Bidirectional(GRU, concat) \
            layers of equal units and reset_after, GlobalAveragePooling1D, Dropout and a Dense \
            head (softmax or linear), with a Normalization(invert=True) after a forecast's: \
            the task is classify (softmax on the last state or the mean), forecast (linear), \
            tag (every step), or language-model with --task when the Dense has one output per \
            token. A file gru export wrote comes back with its labels, vocabulary, \
            normalization and settings; for others, tokens are named by their ids ("2" is id \
            2), features feature1..., classes 0...C-1 (or --labels), forecast targets \
            target1... (horizon 1, window 24). Any other layer, activation or setting is an \
            error naming the layer.
            """
    )

    @Option(help: "The model file to import: FILE.onnx or FILE.keras (or FILE.safetensors with --seq2seq).")
    var input: String

    @Option(
        help: ArgumentHelp(
            "A PyTorch encoder-decoder: the JSON naming the state_dict's modules and giving the vocabularies.",
            discussion:
                "--input is then the state_dict as safetensors; see Seq2SeqImportJob for the JSON's keys."))
    var seq2seq: String?

    @Option(help: "The model directory to write.")
    var model: String

    @Option(help: "Class names, comma-separated in head output order, for a file whose metadata has none.")
    var labels: String?

    @Option(
        help: ArgumentHelp(
            "Feature names, comma-separated, as the data that gru train --resume will read names them.",
            discussion: "The default feature1,feature2,... is how .npy data names them; .ts data names them "
                + "dimension1,dimension2,..."))
    var featureNames: String?

    @Option(help: "The task, where the layers leave it open: language-model for a Keras tagger-shaped model.")
    var task: SequenceTask?

    func run() throws {
        try reportingErrors {
            try checkOutputPaths([("--model", model)], inputs: [("--input", input), ("--seq2seq", seq2seq)])
            if let seq2seq {
                let imported = try Seq2SeqImportJob(
                    input: URL(fileURLWithPath: input), names: URL(fileURLWithPath: seq2seq),
                    directory: EncoderDecoderDirectory(URL(fileURLWithPath: model))
                ).run()
                print("model -> \(model) (encoder-decoder, \(imported.parameters.count) parameters)")
                return
            }
            func list(_ text: String?) -> [String]? {
                text.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            }
            let format = try ModelImportJob(
                inputFile: URL(fileURLWithPath: input), directory: ModelDirectory(URL(fileURLWithPath: model)),
                labels: list(labels), featureNames: list(featureNames), task: task
            ).run()
            printStatus("\(format.rawValue) -> \(model)", outputs: [model])
        }
    }
}
