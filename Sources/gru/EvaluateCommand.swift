import ArgumentParser
import Foundation
import GRUKit

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a trained model on a data file.",
        discussion: """
            The file is read as the training data was (same vocabulary, classes and \
            normalization); unknown tokens become <unk>, an unknown label is an error. Prints the \
            loss and accuracy, macro-F1 and the confusion matrix (classify, tag), MAE and RMSE in \
            the data's units (forecast), or perplexity (language-model). --json prints one JSON \
            object with the keys count, loss, accuracy, macro_f1, labels, confusion_matrix, mae, \
            rmse, perplexity, as they apply; for a seq2seq model count, loss, token_accuracy, \
            sequence_accuracy, error_rate (edit distance over target tokens / target tokens), \
            unknown_source_tokens and unknown_target_tokens (unseen at training time, read as \
            <unk>), its outputs decoded with --beam-width, --length-penalty and \
            --max-output-length.
            """
    )

    @Option(help: "The model directory written by gru train.") var model: String
    @Option(help: "The data to evaluate on.") var data: String
    @Flag(help: "Print one JSON object instead of a table.") var json = false
    @Option(help: "Force the data format: ts, csv, tsv, conll, txt, npy.") var format: DataFormat?
    @Option(
        help: ArgumentHelp(
            "The GRU's weight precision for inference: float32, bf16 or int8 (see gru forward --help).",
            discussion: "Default: the precision the weights are stored at (float32, or gru quantize's)."))
    var precision: InferencePrecision?
    @OptionGroup var decodingFlags: DecodingFlags

    func run() throws {
        try reportingErrors {
            try checkPathsNotEmpty([("--model", model), ("--data", data)])
            if EncoderDecoderDirectory.holdsEncoderDecoder(URL(fileURLWithPath: model)) {
                // A seq2seq model reads its pairs as trained, in float32.
                let oneStack = [("--format", format?.rawValue), ("--precision", precision?.rawValue)]
                if let (flag, _) = oneStack.first(where: { $0.1 != nil }) {
                    throw ValidationError("\(flag): given for a seq2seq model; expected one-stack models only")
                }
                let report = try Seq2SeqEvaluationJob(
                    directory: EncoderDecoderDirectory(URL(fileURLWithPath: model)),
                    dataFile: URL(fileURLWithPath: data),
                    decoding: decodingFlags.decoding
                ).run()
                if json {
                    FileHandle.standardOutput.write(try report.jsonData() + Data("\n".utf8))
                } else {
                    print(
                        String(
                            format:
                                "seq2seq: %d pairs\nloss        %.4f\ntoken_accuracy    %.4f\nsequence_accuracy %.4f\nerror_rate        %.4f\nunknown tokens    %d source, %d target (read as <unk>)",
                            report.count, report.loss, report.tokenAccuracy, report.sequenceAccuracy, report.errorRate,
                            report.unknownSourceTokens, report.unknownTargetTokens))
                }
                return
            }
            try decodingFlags.refuseForOneStackModel()
            var job = EvaluationJob(
                directory: ModelDirectory(URL(fileURLWithPath: model)), dataFile: URL(fileURLWithPath: data),
                format: format)
            job.precision = precision
            let result = try job.run()
            if json {
                FileHandle.standardOutput.write(try result.report.jsonData() + Data("\n".utf8))
            } else {
                print(Self.table(result), terminator: "")
            }
        }
    }

    /// The metrics as aligned lines, with the confusion matrix under them.
    static func table(_ result: EvaluationJob.Result) -> String {
        let report = result.report
        var text = "\(result.manifest.model.task.rawValue): \(report.count) sequences from \(result.dataset.source)\n"
        if result.dataset.skipped.total > 0 { text += "\(result.dataset.skipped)\n" }
        let metrics: [(String, Double?)] = [
            ("loss", report.loss), ("accuracy", report.accuracy), ("macro_f1", report.macroF1),
            ("mae", report.mae), ("rmse", report.rmse), ("perplexity", report.perplexity),
        ]
        for case (let name, let value?) in metrics {
            text += name.padding(toLength: 12, withPad: " ", startingAt: 0) + format(value) + "\n"
        }
        if let targets = result.manifest.data.targetNames, report.mae != nil {
            text += "(mae and rmse in the units of \(targets.joined(separator: ", ")))\n"
        }
        if let labels = report.labels, let matrix = report.confusionMatrix {
            text += "confusion matrix (rows: true class, columns: predicted class)\n"
            let width = max(labels.map(\.count).max() ?? 1, matrix.joined().map { String($0).count }.max() ?? 1)
            func cell(_ value: String) -> String { String(repeating: " ", count: max(width - value.count, 0)) + value }
            text += ([cell("")] + labels.map(cell)).joined(separator: " ") + "\n"
            for (label, row) in zip(labels, matrix) {
                text += ([cell(label)] + row.map { cell(String($0)) }).joined(separator: " ") + "\n"
            }
        }
        return text
    }

    private static func format(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity") }
        return abs(value) >= 100 ? String(format: "%.1f", value) : String(format: "%.4f", value)
    }
}
