import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// Bad input ends with one line on standard error naming the file or tensor, what was expected
/// and what was found, exit code 1, no trap, and no output file.
@Suite(.tags(.endToEnd))
struct CommandErrorEndToEndTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        let gru = GRU(configuration: GRUConfiguration(inputSize: 3, hiddenSize: 4), seed: 1)
        try gru.save(to: directory.url.appendingPathComponent("w.safetensors"))
        try Npy.write(Tensor(shape: [5, 2, 3], repeating: 0.1), to: directory.url.appendingPathComponent("x.npy"))
        try Npy.write(
            Tensor(shape: [5, 2, 2], repeating: 0.1), to: directory.url.appendingPathComponent("x-narrow.npy"))
        var nan = Tensor(shape: [5, 2, 3], repeating: 0.1)
        nan.scalars[4] = .nan
        try Npy.write(nan, to: directory.url.appendingPathComponent("x-nan.npy"))
        try Npy.encodeIntegers([5, 9]).write(to: directory.url.appendingPathComponent("lengths-long.npy"))
        try Npy.write(
            Tensor(shape: [2], scalars: [5, 3]), to: directory.url.appendingPathComponent("lengths-float.npy"))
        var incomplete = SafetensorsFile(fileName: "incomplete.safetensors")
        incomplete.set(gru.parameters.tensor(for: gru.parameters.slots[0]), named: "weight_ih_l0")
        incomplete.set(gru.parameters.tensor(for: gru.parameters.slots[1]), named: "weight_hh_l0")
        incomplete.set(gru.parameters.tensor(for: gru.parameters.slots[2]), named: "bias_ih_l0")
        try incomplete.write(to: directory.url.appendingPathComponent("incomplete.safetensors"))
        try Data("not a weights file".utf8).write(to: directory.url.appendingPathComponent("garbage.safetensors"))
    }

    private func forward(weights: String = "w.safetensors", input: String = "x.npy", extra: [String] = []) throws
        -> CommandResult
    {
        try CommandRunner.run(
            [
                "forward", "--weights", directory.path(weights), "--input", directory.path(input),
                "--output", directory.path("y.npy"),
            ] + extra)
    }

    private func expectFailure(
        _ result: CommandResult, mentions fragments: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.exitCode == 1, sourceLocation: sourceLocation)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(result.standardError)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(result.standardError.contains(fragment), "\(result.standardError)", sourceLocation: sourceLocation)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("y.npy")), sourceLocation: sourceLocation)
    }

    @Test func missingWeightsFile() throws {
        expectFailure(try forward(weights: "absent.safetensors"), mentions: ["absent.safetensors"])
    }

    @Test func weightsFileThatIsNotSafetensors() throws {
        expectFailure(try forward(weights: "garbage.safetensors"), mentions: ["garbage.safetensors"])
    }

    @Test func missingWeightTensor() throws {
        expectFailure(
            try forward(weights: "incomplete.safetensors"),
            mentions: ["incomplete.safetensors", "bias_hh_l0: missing; expected shape [12] for a GRU with"])
    }

    @Test func inputOfTheWrongWidth() throws {
        expectFailure(try forward(input: "x-narrow.npy"), mentions: ["input", "[5, 2, 2]", "(T, B, 3)"])
    }

    @Test func inputWithNaN() throws {
        expectFailure(try forward(input: "x-nan.npy"), mentions: ["x-nan.npy", "NaN"])
    }

    @Test func lengthsOutOfRange() throws {
        expectFailure(
            try forward(extra: ["--lengths", directory.path("lengths-long.npy")]),
            mentions: ["lengths: lengths[1] is 9; expected 1...5 (the sequence length T)"])
    }

    @Test func lengthsThatAreNotIntegers() throws {
        expectFailure(
            try forward(extra: ["--lengths", directory.path("lengths-float.npy")]),
            mentions: ["lengths-float.npy", "<f4", "integers"])
    }

    @Test func initialStateOfTheWrongShape() throws {
        expectFailure(
            try forward(extra: ["--initial-state", directory.path("x.npy")]),
            mentions: ["initial state", "[5, 2, 3]", "[1, 2, 4]"])
    }

    @Test func variantThatContradictsTheFile() throws {
        expectFailure(
            try forward(extra: ["--variant", "reset-before"]),
            mentions: ["w.safetensors", "reset-after", "reset-before"])
    }

    @Test func unwritableOutputKeepsNothingBehind() throws {
        let result = try CommandRunner.run(
            [
                "forward", "--weights", directory.path("w.safetensors"), "--input", directory.path("x.npy"),
                "--output", directory.path("no-such-directory/y.npy"),
            ])
        expectFailure(result, mentions: ["no-such-directory/y.npy"])
    }

    @Test func unknownVariantIsAUsageError() throws {
        let result = try forward(extra: ["--variant", "sideways"])
        #expect(result.exitCode == 64)
        #expect(result.standardError.contains("'sideways'"))
        #expect(result.standardError.contains("reset-after"))
    }

    /// The bytes of a file of the test directory.
    private func contents(_ name: String) throws -> Data {
        try Data(contentsOf: directory.url.appendingPathComponent(name))
    }

    @Test func outputsThatWouldOverwriteAnInputOrEachOtherAreRefused() throws {
        let before = try contents("x.npy")
        let overInput = try CommandRunner.run(
            [
                "forward", "--weights", directory.path("w.safetensors"), "--input", directory.path("x.npy"),
                "--output", directory.path("./x.npy"),
            ])
        expectFailure(overInput, mentions: ["--output", "x.npy", "is the file given to --input"])
        #expect(try contents("x.npy") == before)
        let overWeights = try CommandRunner.run(
            [
                "backward", "--weights", directory.path("w.safetensors"), "--input", directory.path("x.npy"),
                "--grad-output", directory.path("x.npy"), "--output", directory.path("w.safetensors"),
            ])
        expectFailure(overWeights, mentions: ["is the file given to --weights"])
        let twice = try forward(extra: ["--final-state", directory.path("y.npy")])
        expectFailure(twice, mentions: ["--final-state", "is the file given to --output", "its own file"])
    }

    @Test func aFinalStateThatCannotBeWrittenKeepsTheOldOutput() throws {
        try Data("kept".utf8).write(to: directory.url.appendingPathComponent("old.npy"))
        let result = try CommandRunner.run(
            [
                "forward", "--weights", directory.path("w.safetensors"), "--input", directory.path("x.npy"),
                "--output", directory.path("old.npy"), "--final-state", directory.path("no-such-directory/h.npy"),
            ])
        expectFailure(result, mentions: ["no-such-directory/h.npy", "cannot write the file"])
        #expect(try contents("old.npy") == Data("kept".utf8))
    }

    @Test func gradientsThatOverflowAreAnErrorAndNothingIsWritten() throws {
        try Npy.write(
            Tensor(shape: [5, 2, 4], repeating: 3e38), to: directory.url.appendingPathComponent("dy-huge.npy"))
        let result = try CommandRunner.run(
            [
                "backward", "--weights", directory.path("w.safetensors"), "--input", directory.path("x.npy"),
                "--grad-output", directory.path("dy-huge.npy"), "--output", directory.path("y.npy"),
            ])
        expectFailure(result, mentions: ["overflowed to NaN or infinity", "too large for float32"])
    }

    @Test func aGRUTooLargeForMemoryIsRefusedBeforeAllocating() throws {
        for size in ["50000", "3074457345618258603"] {
            let result = try CommandRunner.run(
                ["init", "--input-size", "3", "--hidden-size", size, "--output", directory.path("y.npy")])
            expectFailure(result, mentions: ["--hidden-size \(size)", "this machine has"])
        }
    }

    @Test func anEmptyPathIsNamedAsEmpty() throws {
        let emptyInput = try CommandRunner.run(
            [
                "forward", "--weights", directory.path("w.safetensors"), "--input", "", "--output",
                directory.path("y.npy"),
            ])
        expectFailure(emptyInput, mentions: ["--input is empty; expected a path"])
        expectFailure(try forward(extra: ["--final-state", ""]), mentions: ["--final-state is empty"])
        let initEmpty = try CommandRunner.run(["init", "--input-size", "3", "--hidden-size", "4", "--output", ""])
        expectFailure(initEmpty, mentions: ["--output is empty"])
    }

    @Test func aNegativeValueReachesTheOptionsCheck() throws {
        let result = try CommandRunner.run(
            ["init", "--input-size", "3", "--hidden-size", "-4", "--output", directory.path("y.npy")])
        #expect(result.exitCode == 64)
        #expect(result.standardError.contains("--hidden-size must be at least 1, got -4"), "\(result.standardError)")
    }
}
