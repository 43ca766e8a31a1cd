import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `gru export --output FILE.onnx` end to end on a tiny classifier trained here: the file it
/// writes imports back to the directory's model bit for bit, and bad input is one `error:` line
/// with exit code 1 and no file left behind. What the graph computes is checked against
/// onnxruntime by ONNXModelExportReferenceTests and Tools/Interop/check_onnx_exports.py.
@Suite(.tags(.endToEnd))
struct ExportCommandEndToEndTests {
    let directory: TemporaryDirectory
    let model: String

    init() throws {
        directory = try TemporaryDirectory()
        let data = directory.url.appendingPathComponent("reviews.csv")
        try Data("label,text\npos,good great\nneg,bad awful\npos,nice good fine\nneg,poor bad\n".utf8).write(to: data)
        var recipe = TrainingRecipe()
        recipe.model.hiddenSize = 4
        recipe.model.bidirectional = true
        recipe.optimization.epochs = 1
        recipe.optimization.batchSize = 2
        recipe.optimization.seed = 1
        model = directory.path("model")
        try TrainingJob(
            recipe: recipe, trainingFile: data, validationFile: data,
            directory: ModelDirectory(URL(fileURLWithPath: model)), resume: false
        ).prepare().run()
    }

    /// The names in the test directory, to see that a failed export left nothing.
    private func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted()
    }

    private func expectOneLineFailure(
        _ result: CommandResult, mentions parts: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.exitCode == 1, "\(result.standardError)", sourceLocation: sourceLocation)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(result.standardError)", sourceLocation: sourceLocation)
        #expect(lines.first?.hasPrefix("error: ") == true, "\(result.standardError)", sourceLocation: sourceLocation)
        for part in parts {
            #expect(result.standardError.contains(part), "\(result.standardError)", sourceLocation: sourceLocation)
        }
    }

    @Test func exportWritesAGraphThatImportsBackBitForBit() throws {
        let output = directory.path("model.onnx")
        let result = try CommandRunner.run(["export", "--model", model, "--output", output])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("onnx -> \(output)"), "\(result.standardOutput)")
        let file = try ONNXModel.read(contentsOf: URL(fileURLWithPath: output))
        #expect(file.inputs.map(\.name) == ["input", "lengths"])
        #expect(file.outputs.map(\.name) == ["output"])
        let imported = try ONNXGRUKitGraphImport.importedModel(from: file, labels: nil)
        let (trained, manifest) = try ModelDirectory(URL(fileURLWithPath: model)).loadModel()
        #expect(imported.model.parameters.map(\.bitPattern) == trained.parameters.map(\.bitPattern))
        #expect(imported.schema == manifest.data)
        #expect(try entries() == ["model", "model.onnx", "reviews.csv"], "no temporary file left")
    }

    @Test func aMissingModelDirectoryIsOneLine() throws {
        let result = try CommandRunner.run([
            "export", "--model", directory.path("nowhere"), "--output", directory.path("m.onnx"),
        ])
        expectOneLineFailure(result, mentions: ["nowhere", "no such model directory"])
        #expect(try entries() == ["model", "reviews.csv"])
    }

    @Test func anotherExtensionIsOneLine() throws {
        let result = try CommandRunner.run(["export", "--model", model, "--output", directory.path("m.txt")])
        expectOneLineFailure(result, mentions: ["m.txt", "extension .txt", ".onnx or .keras"])
        #expect(try entries() == ["model", "reviews.csv"])
    }

    @Test func anUnwritableOutputIsOneLineAndLeavesNothing() throws {
        var result = try CommandRunner.run([
            "export", "--model", model, "--output", directory.path("no-such-directory/m.onnx"),
        ])
        expectOneLineFailure(result, mentions: ["no-such-directory/m.onnx"])
        // A directory in the output's place is not replaced.
        try FileManager.default.createDirectory(
            at: directory.url.appendingPathComponent("taken.onnx"), withIntermediateDirectories: false)
        result = try CommandRunner.run(["export", "--model", model, "--output", directory.path("taken.onnx")])
        expectOneLineFailure(result, mentions: ["taken.onnx"])
        #expect(try entries() == ["model", "reviews.csv", "taken.onnx"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path("taken.onnx")).isEmpty)
    }
}
