import ArgumentParser
import Foundation
import GRUKit

extension GRUVariant: ExpressibleByArgument {}
extension GRUInitialization: ExpressibleByArgument {}
extension InferencePrecision: ExpressibleByArgument {}

/// The weights file and how to read it.
struct WeightOptions: ParsableArguments {
    @Option(help: "GRU weights (.safetensors) with PyTorch nn.GRU names.")
    var weights: String

    @Option(help: "reset-after or reset-before; default: the file's 'variant' metadata, else reset-after.")
    var variant: GRUVariant?

    func load() throws -> GRU {
        try GRU.load(contentsOf: URL(fileURLWithPath: weights), variant: variant)
    }

    /// The files read, for `checkOutputPaths`.
    var inputPaths: [(option: String, path: String?)] { [("--weights", weights)] }
}

/// The sequences to run and their optional state and lengths.
struct SequenceOptions: ParsableArguments {
    @Option(help: "Input sequences (.npy): (T, B, I), or (B, T, I) with --batch-first.")
    var input: String

    @Option(help: "Initial state (.npy): (layers*D, B, H). Default: zeros.")
    var initialState: String?

    @Option(help: "Per-sequence lengths (.npy, int32 or int64): (B), each in 1...T.")
    var lengths: String?

    @Flag(help: "Input and output are (B, T, features) instead of (T, B, features).")
    var batchFirst = false

    var layout: SequenceLayout { batchFirst ? .batchFirst : .timeMajor }

    /// The files read, for `checkOutputPaths`.
    var inputPaths: [(option: String, path: String?)] {
        [("--input", input), ("--initial-state", initialState), ("--lengths", lengths)]
    }

    func run(_ gru: GRU) throws -> RecurrentForwardResult {
        let (inputTensor, state, lengthValues) = try read()
        return try gru.forward(inputTensor, initialState: state, lengths: lengthValues, layout: layout)
    }

    /// The outputs and final states of an inference pass with the weights at `precision`:
    /// `GRU.forward` in float32 (what `run` computes), else a `GRUInferenceSession`.
    func infer(_ gru: GRU, precision: InferencePrecision) throws -> (output: Tensor, finalState: Tensor) {
        guard precision != .float32 else {
            let result = try run(gru)
            return (result.output, result.finalState)
        }
        let (inputTensor, state, lengthValues) = try read()
        return try GRUInferenceSession(gru, precision: precision).run(
            inputTensor, initialState: state, lengths: lengthValues, layout: layout)
    }

    private func read() throws -> (input: Tensor, initialState: Tensor?, lengths: [Int]?) {
        let inputTensor = try SequenceFiles.readTensor(URL(fileURLWithPath: input), role: "input", rank: 3)
        let state = try initialState.map {
            try SequenceFiles.readTensor(URL(fileURLWithPath: $0), role: "initial state", rank: 3)
        }
        let lengthValues = try lengths.map { try SequenceFiles.readLengths(URL(fileURLWithPath: $0)) }
        return (inputTensor, state, lengthValues)
    }
}

/// Runs a command body, turning any error into one line on standard error and exit code 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        FileHandle.standardError.write(Data(errorLine(error).utf8))
        throw ExitCode.failure
    }
}
