import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `gru init`, `gru forward` and `gru backward` end to end: files in, files out, and the
/// numbers equal the library's.
@Suite(.tags(.endToEnd))
struct ForwardBackwardCommandEndToEndTests {
    let directory: TemporaryDirectory
    let gru: GRU
    let input: Tensor
    let lengths: [Int] = [4, 2, 3]

    init() throws {
        directory = try TemporaryDirectory()
        gru = GRU(
            configuration: GRUConfiguration(
                inputSize: 3, hiddenSize: 5, layerCount: 2, isBidirectional: true, variant: .resetBefore), seed: 4)
        input = Tensor(shape: [3, 4, 3], scalars: (0..<36).map { Float($0 % 7) / 7 - 0.4 })  // (B, T, I)
        try gru.save(to: directory.url.appendingPathComponent("w.safetensors"))
        try Npy.write(input, to: directory.url.appendingPathComponent("x.npy"))
        try Npy.encodeIntegers(lengths).write(to: directory.url.appendingPathComponent("lengths.npy"))
    }

    @Test func forwardWritesTheLibrarysOutputAndFinalState() throws {
        let result = try CommandRunner.run([
            "forward", "--weights", directory.path("w.safetensors"), "--input", directory.path("x.npy"),
            "--lengths", directory.path("lengths.npy"), "--batch-first",
            "--output", directory.path("y.npy"), "--final-state", directory.path("hn.npy"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("output [3, 4, 10]"))
        let expected = try gru.forward(input, lengths: lengths, layout: .batchFirst)
        #expect(
            try Npy.read(contentsOf: directory.url.appendingPathComponent("y.npy")).floatTensor() == expected.output)
        #expect(
            try Npy.read(contentsOf: directory.url.appendingPathComponent("hn.npy")).floatTensor()
                == expected.finalState)
    }

    /// A pipe in, standard output out: the data alone on standard output, the status on
    /// standard error, and the devices left as they were.
    @Test func forwardReadsAPipeAndWritesToStandardOutput() throws {
        let pipe = directory.url.appendingPathComponent("x-pipe.npy")
        #expect(makePipe(at: pipe, feeding: try Data(contentsOf: directory.url.appendingPathComponent("x.npy"))))
        let result = try CommandRunner.run([
            "forward", "--weights", directory.path("w.safetensors"), "--input", pipe.path, "--batch-first",
            "--output", "/dev/stdout",
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardError.contains("output [3, 4, 10] -> /dev/stdout"))
        let expected = try gru.forward(input, layout: .batchFirst)
        #expect(try Npy.decode(result.standardOutputBytes, name: "stdout").floatTensor() == expected.output)
        var status = stat()
        #expect(stat("/dev/stdout", &status) == 0 && status.st_mode & S_IFMT != S_IFREG)
    }

    @Test func backwardWritesEveryGradientUnderItsName() throws {
        let outputGradient = Tensor(shape: [3, 4, 10], scalars: (0..<120).map { Float($0 % 5) - 2 })
        try Npy.write(outputGradient, to: directory.url.appendingPathComponent("dy.npy"))
        let result = try CommandRunner.run([
            "backward", "--weights", directory.path("w.safetensors"), "--input", directory.path("x.npy"),
            "--lengths", directory.path("lengths.npy"), "--batch-first",
            "--grad-output", directory.path("dy.npy"), "--output", directory.path("g.safetensors"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let file = try SafetensorsFile.read(contentsOf: directory.url.appendingPathComponent("g.safetensors"))
        let forward = try gru.forward(input, lengths: lengths, layout: .batchFirst)
        let expected = try gru.backward(forward, outputGradient: outputGradient)
        #expect(file["input"] == expected.input)
        #expect(file["initial_state"] == expected.initialState)
        for (name, tensor) in PyTorchGRUNames.namedTensors(of: expected.parameters) {
            #expect(file[name] == tensor, "\(name)")
        }
        #expect(file.names.count == 2 + 16)
    }

    @Test func initWritesLoadableWeights() throws {
        let result = try CommandRunner.run([
            "init", "--input-size", "6", "--hidden-size", "7", "--layers", "3", "--no-bias",
            "--variant", "reset-before", "--initialization", "keras", "--seed", "3",
            "--output", directory.path("new.safetensors"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let loaded = try GRU.load(contentsOf: directory.url.appendingPathComponent("new.safetensors"))
        #expect(
            loaded.configuration
                == GRUConfiguration(
                    inputSize: 6, hiddenSize: 7, layerCount: 3, hasBias: false, variant: .resetBefore))
        #expect(
            loaded.parameters == GRUParameters(configuration: loaded.configuration, initialization: .keras, seed: 3))
    }

    @Test func helpListsTheCommands() throws {
        let result = try CommandRunner.run(["--help"])
        #expect(result.exitCode == 0)
        for command in ["forward", "backward", "init"] {
            #expect(result.standardOutput.contains(command))
        }
    }
}
