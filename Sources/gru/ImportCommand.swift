import ArgumentParser
import Foundation
import GRUKit

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an ONNX graph (.onnx) or a Keras 3 archive (.keras) as a model directory.",
        discussion: """
            The format is taken from the input's name. The directory is what gru train writes: \
            gru evaluate, predict, generate and train --resume accept it.
            """
    )

    @Option(help: "The model file to import: FILE.onnx or FILE.keras.")
    var input: String

    @Option(help: "The model directory to write.")
    var model: String

    @Option(help: "Class names, comma-separated, for a file whose metadata has none.")
    var labels: String?

    func run() throws {
        try reportingErrors {
            try checkOutputPaths([("--model", model)], inputs: [("--input", input)])
            let names = labels.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let format = try ModelImportJob(
                inputFile: URL(fileURLWithPath: input), directory: ModelDirectory(URL(fileURLWithPath: model)),
                labels: names
            ).run()
            printStatus("\(format.rawValue) -> \(model)", outputs: [model])
        }
    }
}
