import Foundation
import GRUFormats
import GRUKit
import GRUNetworks
import GRUTraining

/// What one fuzz input is read as, named by the FUZZ_TARGET environment variable.
enum FuzzTarget: String, CaseIterable {
    /// Bytes decoded as a safetensors file, every tensor read and the file encoded again.
    case safetensors
    /// Bytes decoded as a .npy array, as floats and as integers.
    case npy
    /// A safetensors file loaded as a GRU (configuration inferred from names and shapes).
    case gruWeights = "gru-weights"
    /// A data file of each format, loaded and split as training data.
    case ts, csv, tsv, conll, txt
    /// A .npy file loaded as a data set.
    case npyData = "npy-data"
    /// The weights file of a model directory (FUZZ_MODEL), loaded with its model.json.
    case modelWeights = "model-weights"
    /// The checkpoint of a model directory (FUZZ_MODEL), loaded for --resume.
    case checkpoint
    /// Bytes decoded as an ONNX model, its GRU nodes mapped to a GRU stack.
    case onnx
    /// Bytes read as a Keras .weights.h5 (libhdf5 in memory), its GRU layers mapped.
    case kerasWeights = "keras-weights"
    /// Bytes read as a .keras zip archive, its config and weights mapped to a GRU stack.
    case kerasArchive = "keras-archive"
}

let environment = ProcessInfo.processInfo.environment
let target: FuzzTarget = {
    guard let name = environment["FUZZ_TARGET"], let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("FUZZ_TARGET must be one of \(names)\n".utf8))
        exit(2)
    }
    return target
}()
/// FUZZ_VERBOSE=1 prints each input's outcome: to check that seeds are accepted.
let verbose = environment["FUZZ_VERBOSE"] == "1"
/// Inputs that loaders read by path are written here first (one file per process).
let scratch = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
    "gru-fuzz-\(getpid())", isDirectory: true)

/// A copy of FUZZ_MODEL in the scratch folder, made once, whose `file` each input replaces.
func modelDirectory(replacing file: String, with data: Data) throws -> ModelDirectory {
    let copy = scratch.appendingPathComponent("model", isDirectory: true)
    if !FileManager.default.fileExists(atPath: copy.path) {
        guard let model = environment["FUZZ_MODEL"] else { fatalError("set FUZZ_MODEL to a model directory") }
        try FileManager.default.copyItem(at: URL(fileURLWithPath: model), to: copy)
    }
    try data.write(to: copy.appendingPathComponent(file))
    return ModelDirectory(copy)
}

/// Runs one input; any error thrown is a rejection, which is fine. A trap or a sanitizer
/// report is what the fuzzer looks for.
func run(_ data: Data) throws {
    switch target {
    case .safetensors:
        let file = try SafetensorsFile(decoding: data, name: "input")
        for name in file.names { _ = file[name] }
        _ = file.encoded()
    case .npy:
        let array = try Npy.decode(data, name: "input")
        _ = array.floatTensor()
        _ = try? array.integers()
    case .gruWeights:
        let url = scratch.appendingPathComponent("weights.safetensors")
        try data.write(to: url)
        _ = try GRU.load(contentsOf: url)
    case .ts, .csv, .tsv, .conll, .txt, .npyData:
        let url = scratch.appendingPathComponent("data." + (target == .npyData ? "npy" : target.rawValue))
        try data.write(to: url)
        _ = try DataLoader.load(url)
        _ = try DataLoader.loadSplit(url, validationFraction: 0.3, seed: 1)
    case .modelWeights:
        _ = try modelDirectory(replacing: "weights.safetensors", with: data).loadModel()
    case .checkpoint:
        let directory = try modelDirectory(replacing: "checkpoint.safetensors", with: data)
        let manifest = try directory.loadManifest()
        let checkpoint = try directory.loadCheckpoint(configuration: manifest.model)
        var optimizer = manifest.training.makeOptimizer()
        try optimizer.restore(checkpoint.optimizer, parameterCount: checkpoint.model.parameters.count)
    case .onnx:
        _ = try ONNXGRU.parameters(from: ONNXModel(decoding: data, name: "input"))
    case .kerasWeights:
        _ = try KerasGRU.parameters(from: KerasWeightsFile(data: data, name: "input"), name: "input")
    case .kerasArchive:
        _ = try KerasGRU.parameters(from: KerasArchive(data: data, name: "input"), name: "input")
    }
}

/// libFuzzer's entry point: runs the target that FUZZ_TARGET names on one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try run(Data(bytes: bytes, count: size))
        if verbose { print("accepted") }
    } catch {
        if verbose { print("rejected: \(error)") }
    }
    return 0
}

typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: TestOneInput
) -> CInt

/// SwiftPM names an executable target's entry point `<Target>_main`; libFuzzer's driver runs
/// from it, with the command line's libFuzzer flags.
@_cdecl("Fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { testOneInput($0, $1) }
}
