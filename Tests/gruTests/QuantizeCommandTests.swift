import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `gru quantize` from the command line: it reports what it wrote, `gru evaluate` and `gru
/// predict` run the copy at its precision by default (what the source gives at that precision)
/// and at another on request, and bad flags and weight files are one `error:` line.
@Suite(.tags(.endToEnd))
struct QuantizeCommandEndToEndTests {
    let directory: TemporaryDirectory
    let model: String

    init() throws {
        directory = try TemporaryDirectory()
        let rows = (0..<16).map { i in i % 2 == 0 ? "pos,good fine w\(i % 3)" : "neg,bad poor w\(i % 3)" }
        try Data(("label,text\n" + rows.joined(separator: "\n") + "\n").utf8)
            .write(to: directory.url.appendingPathComponent("reviews.csv"))
        var recipe = TrainingRecipe()
        recipe.model.hiddenSize = 16
        recipe.optimization.epochs = 2
        recipe.optimization.batchSize = 4
        let data = directory.url.appendingPathComponent("reviews.csv")
        try TrainingJob(
            recipe: recipe, trainingFile: data, validationFile: nil,
            directory: ModelDirectory(directory.url.appendingPathComponent("model")), resume: false
        ).prepare().run()
        model = directory.path("model")
    }

    private func evaluate(_ model: String, _ extra: [String] = []) throws -> String {
        let result = try CommandRunner.run(
            ["evaluate", "--model", model, "--data", directory.path("reviews.csv"), "--json"] + extra)
        #expect(result.exitCode == 0, "\(result.standardError)")
        return result.standardOutput
    }

    @Test(arguments: [InferencePrecision.int8, .bf16])
    func theCopyRunsAtItsPrecision(_ precision: InferencePrecision) throws {
        let copy = directory.path("copy")
        let result = try CommandRunner.run([
            "quantize", "--model", model, "--precision", precision.rawValue, "--output", copy,
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("wrote \(copy): the gru stack's weights in \(precision.rawValue)"))
        #expect(result.standardOutput.contains(QuantizedPanels.kernelName(of: precision)), "\(result.standardOutput)")
        let atPrecision = try evaluate(model, ["--precision", precision.rawValue])
        #expect(try evaluate(copy) == atPrecision)
        #expect(try evaluate(copy, ["--precision", precision.rawValue]) == atPrecision)
        #expect(try evaluate(copy, ["--precision", "float32"]) != atPrecision)
        let predicted = try CommandRunner.run([
            "predict", "--model", copy, "--data", directory.path("reviews.csv"), "--output", directory.path("p.csv"),
        ])
        #expect(predicted.exitCode == 0, "\(predicted.standardError)")
    }

    @Test(arguments: [
        (["--precision", "float32", "--output", "copy"], ["--precision", "float32", "int8 or bf16"]),
        (["--precision", "int4", "--output", "copy"], ["int4"]),
        (["--precision", "int8", "--output", "model"], ["is the model directory being quantized"]),
        (["--precision", "int8"], ["--output"]),
    ])
    func badFlagsAreOneLineErrors(_ arguments: [String], _ fragments: [String]) throws {
        let resolved = arguments.map { $0 == "copy" || $0 == "model" ? directory.path($0) : $0 }
        let result = try CommandRunner.run(["quantize", "--model", model] + resolved)
        #expect(result.exitCode != 0)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("error: "), "\(result.standardError)")
        for fragment in fragments { #expect(result.standardError.contains(fragment), "\(result.standardError)") }
        #expect(!FileManager.default.fileExists(atPath: directory.path("copy")))
    }

    @Test func aWeightsFileWithIntegerParametersIsAnErrorNamingTheTensor() throws {
        let weights = directory.url.appendingPathComponent("model/weights.safetensors")
        var file = try SafetensorsFile.read(contentsOf: weights)
        let head = try file.require("head.bias")
        file.set(Tensor(shape: head.shape, repeating: 1), named: "head.bias", storedAs: .i8)
        try file.write(to: weights)
        let result = try CommandRunner.run([
            "evaluate", "--model", model, "--data", directory.path("reviews.csv"),
        ])
        #expect(result.exitCode == 1)
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(result.standardError.contains("'head.bias' is stored as I8 (integers) without scales"))
    }
}
