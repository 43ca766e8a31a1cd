import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import GRUTraining
import GRUWorkflows
import Testing

/// `QuantizationJob` on a tiny trained classifier (two layers, bidirectional): the copy's
/// weights file holds the GRU's matrices as I8 with row scales (or BF16) and no float copy of
/// them, the copy loads at its precision and computes exactly what the source computes at that
/// precision (on every version of the int8 product, as on a processor without VNNI), and what it
/// cannot do is a one-line error that leaves nothing behind.
@Suite(.tags(.endToEnd))
struct QuantizationJobEndToEndTests {
    let directory: WorkflowDirectory
    let data: URL
    let source: ModelDirectory

    init() throws {
        directory = try WorkflowDirectory()
        let rows = (0..<24).map { i in
            "\(i % 2 == 0 ? "pos" : "neg"),\(i % 2 == 0 ? "good fine nice" : "bad poor awful") w\(i % 5)"
        }
        data = try directory.write("label,text\n" + rows.joined(separator: "\n") + "\n", to: "reviews.csv")
        source = ModelDirectory(directory.url.appendingPathComponent("model"))
        try Self.train(data: data, into: source)
    }

    static func train(data: URL, into model: ModelDirectory, cell: RecurrentCellKind = .gru) throws {
        var recipe = TrainingRecipe()
        recipe.model.hiddenSize = 20
        recipe.model.layers = 2
        recipe.model.bidirectional = true
        recipe.model.cell = cell
        recipe.optimization.epochs = 2
        recipe.optimization.batchSize = 5
        try TrainingJob(recipe: recipe, trainingFile: data, validationFile: nil, directory: model, resume: false)
            .prepare().run()
    }

    func copy(_ precision: InferencePrecision, into name: String = "copy") throws -> (ModelDirectory, SequenceModel) {
        let destination = ModelDirectory(directory.url.appendingPathComponent(name))
        let result = try QuantizationJob(source: source, destination: destination, precision: precision).run()
        return (destination, result.copy)
    }

    /// The head's output for every sequence of the data, in one batch.
    func outputs(_ model: SequenceModel) throws -> [Float] {
        let manifest = try source.loadManifest()
        let dataset = try DataLoader.load(data, options: manifest.dataOptions, schema: manifest.data)
        let batch = SequenceBatch(examples: dataset.examples, exampleIndices: Array(dataset.examples.indices))
        return try model.forward(batch).output.scalars
    }

    @Test func theInt8CopyStoresIntegersAndComputesWhatTheSourceDoesAtInt8() throws {
        let (copied, copy) = try copy(.int8)
        let file = try SafetensorsFile.read(contentsOf: copied.url.appendingPathComponent("weights.safetensors"))
        let matrices = file.names.filter { $0.hasPrefix("gru.weight_") && !$0.hasSuffix("_scale") }
        #expect(matrices.count == 8, "\(file.names)")
        for name in matrices {
            #expect(file.sourceElementTypes[name] == "I8", "\(name)")
            #expect(file.sourceElementTypes[name + "_scale"] == "F32", "\(name)")
        }
        #expect(file.names.filter { file.sourceElementTypes[$0] == "F32" }.allSatisfy { !matrices.contains($0) })
        #expect(!copied.hasCheckpoint)

        let (original, _) = try source.loadModel()
        #expect(copy.inferencePrecision == .int8)
        // A byte a weight against four, less the padding of H = 20 to two 16-unit panels.
        #expect(copy.recurrentWeightBytes * 2 < original.recurrentWeightBytes)
        let expected = try outputs(original.atPrecision(.int8))
        #expect(try outputs(copy) == expected)
        // Where the processor lacks VNNI, another version of the product runs: the same
        // numbers (on one thread, which the version choice holds for).
        for path in QuantizedKernelPath.available(.int8) {
            let computed = try ThreadTeam.withParts(1) {
                try QuantizedKernelPath.with(path, for: .int8) { try outputs(copy) }
            }
            #expect(computed == expected, "\(path)")
        }
        // Its floats are the dequantized weights; the rest is the source's.
        let float32 = try outputs(copy.atPrecision(.float32))
        let largest = zip(float32, try outputs(original)).map { abs($0 - $1) }.max()!
        #expect(largest > 0 && largest < 0.05, "\(largest)")
    }

    @Test func theBF16CopyComputesWhatTheSourceDoesAtBF16() throws {
        let (copied, copy) = try copy(.bf16)
        let file = try SafetensorsFile.read(contentsOf: copied.url.appendingPathComponent("weights.safetensors"))
        #expect(file.metadata["quantization"] == "bf16")
        #expect(file.sourceElementTypes["gru.weight_hh_l1_reverse"] == "BF16")
        #expect(file.sourceElementTypes["gru.bias_hh_l1_reverse"] == "F32")
        #expect(copy.inferencePrecision == .bf16)
        #expect(try outputs(copy) == outputs(source.loadModel().model.atPrecision(.bf16)))
    }

    @Test func aCopyIsReplacedByAnotherButNeverWrittenOverAnotherRun() throws {
        _ = try copy(.bf16)
        let (_, again) = try copy(.int8)
        #expect(again.inferencePrecision == .int8)
        let refusedSelf = #expect(throws: FormatError.self) {
            try QuantizationJob(source: source, destination: source, precision: .int8).run()
        }
        #expect(refusedSelf?.description.contains("is the model directory being quantized") == true)
        let other = ModelDirectory(directory.url.appendingPathComponent("other"))
        try Self.train(data: data, into: other)
        let before = try Data(contentsOf: other.url.appendingPathComponent("weights.safetensors"))
        let refused = #expect(throws: FormatError.self) {
            try QuantizationJob(source: source, destination: other, precision: .int8).run()
        }
        #expect(refused?.description.contains("holds checkpoint.safetensors") == true, "\(String(describing: refused))")
        #expect(try Data(contentsOf: other.url.appendingPathComponent("weights.safetensors")) == before)
    }

    @Test func float32AndOtherCellsAreRefused() throws {
        #expect(throws: GRUInputError.self) { try copy(.float32) }
        let lstm = ModelDirectory(directory.url.appendingPathComponent("lstm"))
        try Self.train(data: data, into: lstm, cell: .lstm)
        let destination = ModelDirectory(directory.url.appendingPathComponent("lstm-int8"))
        let refused = #expect(throws: GRUInputError.self) {
            try QuantizationJob(source: lstm, destination: destination, precision: .int8).run()
        }
        #expect(refused?.description.contains("lstm") == true, "\(String(describing: refused))")
        #expect(!FileManager.default.fileExists(atPath: destination.url.path))
    }

    @Test func aCheckpointWithIntegerTensorsIsAnErrorNamingTheTensor() throws {
        let url = source.url.appendingPathComponent("checkpoint.safetensors")
        var file = try SafetensorsFile.read(contentsOf: url)
        file.set(Tensor(shape: [60, 20], repeating: 1), named: "gru.weight_hh_l0", storedAs: .i8)
        try file.write(to: url)
        let refused = #expect(throws: FormatError.self) {
            try source.loadCheckpoint(configuration: source.loadManifest().model)
        }
        #expect(refused?.description.contains("'gru.weight_hh_l0' is stored as I8") == true)
    }
}
