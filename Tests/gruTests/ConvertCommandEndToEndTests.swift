import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `gru convert` end to end: PyTorch names to MLX names and back, a file written by the real mlx
/// (Tests/Fixtures/mlx, Tools/Reference/make_mlx_fixtures.py) in, and `gru forward` on each
/// converted file giving what it gives on the original.
@Suite(.tags(.endToEnd))
struct ConvertCommandEndToEndTests {
    /// A folder of Tests/Fixtures.
    static func fixtures(_ folder: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(folder)
    }

    static let mlxFixtures = fixtures("mlx")
    static let onnxFixtures = fixtures("onnx")

    let directory: TemporaryDirectory
    let gru = GRU(configuration: GRUConfiguration(inputSize: 3, hiddenSize: 5), seed: 11)

    init() throws {
        directory = try TemporaryDirectory()
        try gru.save(to: directory.url.appendingPathComponent("w.safetensors"))
        let input = Tensor(shape: [2, 6, 3], scalars: (0..<36).map { Float($0 % 7) / 5 - 0.6 })  // (B, T, I)
        try Npy.write(input, to: directory.url.appendingPathComponent("x.npy"))
    }

    func convert(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.run(["convert"] + arguments)
    }

    /// `gru forward --batch-first` on `weights` over `input`, read back.
    func forward(_ weights: String, input: String = "x.npy") throws -> Tensor {
        let output = directory.path("y-\(UUID().uuidString).npy")
        let result = try CommandRunner.run([
            "forward", "--weights", weights, "--input", directory.path(input), "--batch-first", "--output", output,
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        return try Npy.read(contentsOf: URL(fileURLWithPath: output)).floatTensor()
    }

    func names(_ path: String) throws -> [String] {
        try SafetensorsFile.read(contentsOf: URL(fileURLWithPath: path)).names
    }

    @Test func pytorchToMLXAndBackKeepsForwardsOutput() throws {
        let original = try forward(directory.path("w.safetensors"))
        var result = try convert([
            "--input", directory.path("w.safetensors"), "--output", directory.path("mlx.safetensors"), "--to", "mlx",
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("mlx names -> \(directory.path("mlx.safetensors"))"))
        #expect(try names(directory.path("mlx.safetensors")) == ["Wx", "Wh", "b", "bhn"])

        // Back to PyTorch names, recognised as MLX's by their keys.
        result = try convert([
            "--input", directory.path("mlx.safetensors"), "--output", directory.path("back.safetensors"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(
            try names(directory.path("back.safetensors")) == [
                "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
            ])
        // The r and z biases are summed in float32, so the outputs agree to rounding.
        expectApproximatelyEqual(
            try forward(directory.path("back.safetensors")), original, absoluteTolerance: 1e-6, "forward after MLX")
    }

    @Test func pytorchToPytorchIsAnExactCopy() throws {
        let result = try convert([
            "--input", directory.path("w.safetensors"), "--output", directory.path("c.safetensors"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(
            try GRU.load(contentsOf: directory.url.appendingPathComponent("c.safetensors")).parameters == gru.parameters
        )
        #expect(try forward(directory.path("c.safetensors")) == forward(directory.path("w.safetensors")))
    }

    /// A file mlx itself wrote: converted to PyTorch names, `gru forward` gives mlx's output.
    @Test func aFileWrittenByMLXForwardsAsMLXComputedIt() throws {
        let io = try SafetensorsFile.read(contentsOf: Self.mlxFixtures.appendingPathComponent("io.safetensors"))
        try Npy.write(try io.require("input"), to: directory.url.appendingPathComponent("mlx-x.npy"))
        let result = try convert([
            "--input", Self.mlxFixtures.appendingPathComponent("gru.safetensors").path,
            "--output", directory.path("from-mlx.safetensors"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        expectApproximatelyEqual(
            try forward(directory.path("from-mlx.safetensors"), input: "mlx-x.npy"),
            try io.require("output_no_state"), absoluteTolerance: 1e-5, "forward on the converted mlx file")
    }

    /// A file torch.onnx.export wrote (Tests/Fixtures/onnx, Tools/Reference/make_onnx_fixtures.py):
    /// converted to safetensors, `gru forward` gives onnxruntime's output; converted back to ONNX
    /// and again to safetensors, the weights are bit-identical.
    @Test func anONNXFileExportedByPyTorchConvertsBothWays() throws {
        let io = try SafetensorsFile.read(
            contentsOf: Self.onnxFixtures.appendingPathComponent("torch_l1_uni_noh0.safetensors"))
        // The fixture's input is time-major (T, B, I); forward here reads batch-first.
        try Npy.write(
            try io.require("input").swappingFirstTwoAxes(), to: directory.url.appendingPathComponent("o-x.npy"))
        var result = try convert([
            "--input", Self.onnxFixtures.appendingPathComponent("torch_l1_uni_noh0.onnx").path,
            "--output", directory.path("from-onnx.safetensors"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        expectApproximatelyEqual(
            try forward(directory.path("from-onnx.safetensors"), input: "o-x.npy"),
            try io.require("output").swappingFirstTwoAxes(), absoluteTolerance: 1e-5,
            "forward on the converted ONNX file")

        result = try convert(["--input", directory.path("from-onnx.safetensors"), "--output", directory.path("w.onnx")])
        #expect(result.exitCode == 0, "\(result.standardError)")
        result = try convert(["--input", directory.path("w.onnx"), "--output", directory.path("again.safetensors")])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(
            try GRU.load(contentsOf: directory.url.appendingPathComponent("again.safetensors")).parameters
                == GRU.load(contentsOf: directory.url.appendingPathComponent("from-onnx.safetensors")).parameters)
        try expectRefusal(
            [
                "--input", directory.path("w.onnx"), "--output", directory.path("rb.safetensors"), "--variant",
                "reset-before",
            ],
            output: directory.path("rb.safetensors"), ["--variant: reset-before; expected reset-after"])
        try expectRefusal(
            ["--input", directory.path("from-onnx.safetensors"), "--output", directory.path("m.onnx"), "--to", "mlx"],
            output: directory.path("m.onnx"), ["--to: mlx; expected no --to for an .onnx output"])
    }

    static let kerasFixtures = fixtures("keras")

    /// A .keras file made by Keras converts to safetensors and back to .keras and .weights.h5;
    /// `gru forward` on each gives Keras's output (Tests/Fixtures/keras,
    /// Tools/Reference/make_keras_fixtures.py), and the other layers are a note on stderr.
    @Test func aKerasFileConvertsBothWays() throws {
        let io = try SafetensorsFile.read(
            contentsOf: Self.kerasFixtures.appendingPathComponent("embedding_dense.safetensors"))
        try Npy.write(
            try io.require("input").swappingFirstTwoAxes(), to: directory.url.appendingPathComponent("k-x.npy"))
        let expected = try io.require("output").swappingFirstTwoAxes()
        var result = try convert([
            "--input", Self.kerasFixtures.appendingPathComponent("embedding_dense.keras").path,
            "--output", directory.path("from-keras.safetensors"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(
            result.standardError.contains(
                "note: embedding_dense.keras: ignored the layers that are not the GRU stack: embedding (Embedding), "
                    + "dropout (Dropout), dense (Dense)"))
        expectApproximatelyEqual(
            try forward(directory.path("from-keras.safetensors"), input: "k-x.npy"), expected, absoluteTolerance: 1e-5,
            "forward on the converted .keras file")
        for output in ["w.keras", "w.weights.h5"] {
            result = try convert([
                "--input", directory.path("from-keras.safetensors"), "--output", directory.path(output),
            ])
            #expect(result.exitCode == 0, "\(result.standardError)")
            result = try convert([
                "--input", directory.path(output), "--output", directory.path(output + ".safetensors"),
            ])
            #expect(result.exitCode == 0, "\(result.standardError)")
            expectApproximatelyEqual(
                try forward(directory.path(output + ".safetensors"), input: "k-x.npy"), expected,
                absoluteTolerance: 1e-5, "forward after \(output)")
        }
        try expectRefusal(
            [
                "--input", directory.path("w.keras"), "--output", directory.path("ra.safetensors"), "--variant",
                "reset-after",
            ],
            output: directory.path("ra.safetensors"), ["--variant: reset-after; expected reset-before"])
    }

    /// One line on standard error, exit 1, no output file.
    func expectRefusal(_ arguments: [String], output: String, _ fragments: [String]) throws {
        let result = try convert(arguments)
        #expect(result.exitCode == 1)
        #expect(result.standardError.hasPrefix("error: ") && result.standardError.split(separator: "\n").count == 1)
        for fragment in fragments { #expect(result.standardError.contains(fragment), "\(result.standardError)") }
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func formatsThatDoNotConvertYetAreOneLineErrors() throws {
        let weights = directory.path("w.safetensors")
        try expectRefusal(
            ["--input", weights, "--output", directory.path("w.h5")], output: directory.path("w.h5"),
            [
                "w.h5: extension .h5; expected .safetensors (PyTorch or MLX names), .onnx, .keras or .weights.h5, the formats gru convert handles"
            ])
        try FileManager.default.copyItem(atPath: weights, toPath: directory.path("m.keras"))
        try expectRefusal(
            ["--input", directory.path("m.keras"), "--output", directory.path("o.safetensors")],
            output: directory.path("o.safetensors"), ["m.keras: is not a zip archive"])
    }

    @Test func whatMLXCannotHoldIsAOneLineError() throws {
        let stacked = GRU(configuration: GRUConfiguration(inputSize: 3, hiddenSize: 5, layerCount: 2), seed: 1)
        try stacked.save(to: directory.url.appendingPathComponent("stacked.safetensors"))
        try expectRefusal(
            [
                "--input", directory.path("stacked.safetensors"), "--output", directory.path("s.safetensors"), "--to",
                "mlx",
            ],
            output: directory.path("s.safetensors"),
            ["stacked.safetensors: weight_ih_l1: 2 layers; expected one layer: MLX's GRU holds"])
        let resetBefore = GRU(
            configuration: GRUConfiguration(inputSize: 3, hiddenSize: 5, variant: .resetBefore), seed: 1)
        try resetBefore.save(to: directory.url.appendingPathComponent("rb.safetensors"))
        try expectRefusal(
            ["--input", directory.path("rb.safetensors"), "--output", directory.path("r.safetensors"), "--to", "mlx"],
            output: directory.path("r.safetensors"), ["rb.safetensors: variant: reset-before; expected reset-after"])
        // An MLX file read as reset-before.
        _ = try convert([
            "--input", directory.path("w.safetensors"), "--output", directory.path("m.safetensors"), "--to", "mlx",
        ])
        try expectRefusal(
            [
                "--input", directory.path("m.safetensors"), "--output", directory.path("p.safetensors"), "--variant",
                "reset-before",
            ],
            output: directory.path("p.safetensors"), ["m.safetensors: variant: reset-before; expected reset-after"])
    }

    @Test func refusesToOverwriteItsInput() throws {
        let weights = directory.path("w.safetensors")
        let result = try convert(["--input", weights, "--output", weights, "--to", "mlx"])
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains("--output \(weights) is the file given to --input"))
        #expect(try names(weights) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"])
    }
}
