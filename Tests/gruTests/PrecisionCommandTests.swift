import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `--precision` from the command line: `gru forward` writes what a low-precision
/// `GRUInferenceSession` computes (and float32 what `GRU.forward` does), `gru bench` times
/// each precision beside float32 and names the kernel and the weight memory, and bad values
/// are one-line errors.
@Suite(.tags(.endToEnd))
struct PrecisionCommandEndToEndTests {
    let directory: TemporaryDirectory
    let gru: GRU
    let input: Tensor

    init() throws {
        directory = try TemporaryDirectory()
        gru = GRU(configuration: GRUConfiguration(inputSize: 3, hiddenSize: 20, layerCount: 2), seed: 4)
        input = Tensor(shape: [5, 2, 3], scalars: (0..<30).map { Float($0 % 7) / 7 - 0.4 })
        try gru.save(to: directory.url.appendingPathComponent("w.safetensors"))
        try Npy.write(input, to: directory.url.appendingPathComponent("x.npy"))
    }

    @Test(arguments: InferencePrecision.allCases)
    func forwardWritesTheSessionsOutput(_ precision: InferencePrecision) throws {
        let result = try CommandRunner.run([
            "forward", "--weights", directory.path("w.safetensors"), "--input", directory.path("x.npy"),
            "--precision", precision.rawValue, "--output", directory.path("y.npy"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let written = try Npy.read(contentsOf: directory.url.appendingPathComponent("y.npy")).floatTensor()
        let expected =
            precision == .float32
            ? try gru.forward(input).output : try GRUInferenceSession(gru, precision: precision).run(input).output
        #expect(written == expected)
        let float32 = try gru.forward(input).output
        let largest = zip(written.scalars, float32.scalars).map { abs($0 - $1) }.max()!
        #expect(largest < 0.02, "\(precision): \(largest) from float32")
    }

    @Test func benchTimesEachPrecisionBesideFloat32() throws {
        let result = try CommandRunner.run([
            "bench", "--quick", "--json", "--cases", "S1,stream-H128", "--precision", "int8,bf16",
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let records = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        #expect(
            records.map { "\($0["case"]!) \($0["precision"]!)" }
                == ["S1 bf16", "S1 int8", "stream-H128 bf16", "stream-H128 int8"])
        for record in records {
            let precision = try #require(InferencePrecision(rawValue: record["precision"] as? String ?? ""))
            let hidden = try #require(record["hidden_size"] as? Int), input = try #require(record["input_size"] as? Int)
            let megabytes = Double(3 * hidden * (input + hidden) * precision.bytesPerWeight) / 1_048_576
            #expect(record["weight_mb"] as? Double == megabytes)
            #expect(record["kernels"] as? String == QuantizedPanels.kernelName(of: precision))
        }
    }

    @Test(arguments: [
        (["bench", "--quick", "--precision", "int4"], "'int4'; expected float32, bf16 or int8"),
        (["bench", "--quick", "--cell", "lstm", "--precision", "int8"], "the LSTM runs in float32 only"),
    ])
    func badPrecisionsAreOneLineErrors(_ arguments: [String], _ fragment: String) throws {
        let result = try CommandRunner.run(arguments)
        #expect(result.exitCode != 0)
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(result.standardError.contains(fragment), "\(result.standardError)")
    }

    @Test func forwardRefusesAnUnknownPrecision() throws {
        let result = try CommandRunner.run([
            "forward", "--weights", directory.path("w.safetensors"), "--input", directory.path("x.npy"),
            "--precision", "fp8", "--output", directory.path("y.npy"),
        ])
        #expect(result.exitCode != 0)
        #expect(result.standardError.contains("fp8"), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("y.npy")))
    }
}
