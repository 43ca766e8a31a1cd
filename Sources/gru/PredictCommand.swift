import ArgumentParser
import Foundation
import GRUKit

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Write a trained model's prediction for every sequence of a data file to CSV.",
        discussion: """
            One row per sequence, in the file's order, with columns index and source (file:line), \
            then: prediction and p_<label> per class (classify); prediction, the tags joined by \
            spaces (tag); <target>_t+<k> per forecast value in the data's units (forecast); tokens \
            and perplexity (language-model). The data may be unlabelled: .csv or .tsv with only \
            a text column (a header naming it, or one field per row), .ts declaring \
            @classLabel false, .conll with a token only per line. A forecast model reads a series \
            of at least window rows and forecasts after each row from the window-th on (source \
            names the window's last row), so the last row is the forecast past the file's end. \
            --probabilities (tag, language-model) adds the column probabilities: every step's \
            softmax, classes separated by spaces and steps by semicolons. A seq2seq model writes \
            a TSV instead: source TAB prediction for every line of --data in its order (a \
            source, or a source TAB target pair; a blank line is an empty source), decoded with \
            --beam-width, --length-penalty and --max-output-length.
            """
    )

    @Option(help: "The model directory written by gru train.") var model: String
    @Option(help: "The sequences to predict.") var data: String
    @Option(help: "The CSV file to write.") var output: String
    @Option(help: "Force the data format: ts, csv, tsv, conll, txt, npy.") var format: DataFormat?
    @Option(
        help: ArgumentHelp(
            "The GRU's weight precision for inference: float32, bf16 or int8 (see gru forward --help).",
            discussion: "Default: the precision the weights are stored at (float32, or gru quantize's)."))
    var precision: InferencePrecision?
    @OptionGroup var decodingFlags: DecodingFlags
    @Flag(help: "Tag and language-model: add every step's probabilities (column probabilities).")
    var probabilities = false

    func run() throws {
        try reportingErrors {
            try checkPathsNotEmpty([("--model", model)])
            // The model's own files are inputs too: a CSV over model.json would destroy the model.
            let modelFiles = ["model.json", "weights.safetensors", "checkpoint.safetensors", "log.jsonl", "curve.svg"]
                .map {
                    (option: "--model", path: Optional(URL(fileURLWithPath: model).appendingPathComponent($0).path))
                }
            try checkOutputPaths([("--output", output)], inputs: [("--data", data)] + modelFiles)
            if EncoderDecoderDirectory.holdsEncoderDecoder(URL(fileURLWithPath: model)) {
                // A seq2seq model reads its pairs as trained, in float32.
                let oneStack = [
                    ("--format", format?.rawValue), ("--precision", precision?.rawValue),
                    ("--probabilities", probabilities ? "" : nil),
                ]
                if let (flag, _) = oneStack.first(where: { $0.1 != nil }) {
                    throw ValidationError("\(flag): given for a seq2seq model; expected one-stack models only")
                }
                let result = try Seq2SeqPredictionJob(
                    directory: EncoderDecoderDirectory(URL(fileURLWithPath: model)),
                    dataFile: URL(fileURLWithPath: data),
                    outputFile: URL(fileURLWithPath: output), decoding: decodingFlags.decoding
                ).run()
                if result.unknownSourceTokens > 0 {
                    FileHandle.standardError.write(
                        Data(
                            "note: \(result.unknownSourceTokens) source tokens unseen at training time read as <unk>\n"
                                .utf8))
                }
                printStatus("\(result.count) predictions -> \(output)", outputs: [output])
                return
            }
            try decodingFlags.refuseForOneStackModel()
            var job = PredictionJob(
                directory: ModelDirectory(URL(fileURLWithPath: model)), dataFile: URL(fileURLWithPath: data),
                outputFile: URL(fileURLWithPath: output), format: format, writesStepProbabilities: probabilities)
            job.precision = precision
            let table = try job.run()
            printStatus("\(table.rows.count) predictions -> \(output)", outputs: [output])
        }
    }
}
