import Foundation
import GRUFormats
import GRUInterop
import GRUNetworks
import GRUTensor
import GRUTestSupport
import GRUTraining
import Testing

/// GRUKit's predictions against onnxruntime's on the whole-model graphs `gru export` writes.
///
/// Tests/Fixtures/onnx-models holds the exports of `ExportedModelCase.all` (rewritten by
/// `committedExportsAreWhatExportWrites` with GRUKIT_WRITE_ONNX_MODEL_FIXTURES=1) and, beside
/// each, `<name>.safetensors`: a padded batch of raw inputs with lengths and onnxruntime's
/// `output` on it, made by Tools/Reference/make_onnx_model_fixtures.py. Here each file is
/// imported with `ONNXGRUKitGraphImport` and run through `SequenceModel.forward` with the
/// features normalized as the data loaders do, then the softmax (classify, tag,
/// language-model, every valid step) or the denormalization (forecast) that `gru predict`
/// applies: within 1e-5 of onnxruntime (or 1e-6 relative, for forecasts in the data's units).
@Suite(.tags(.reference))
struct ONNXModelExportReferenceTests {
    static let fixtureDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/onnx-models")

    static let tolerance = 1e-5

    /// Export is deterministic, so the committed files are what it writes.
    @Test(arguments: ExportedModelCase.all)
    func committedExportsAreWhatExportWrites(_ testCase: ExportedModelCase) throws {
        let bytes = try ONNXModelExport.model(of: testCase.model(), manifest: testCase.manifest).encoded()
        let url = Self.fixtureDirectory.appendingPathComponent(testCase.name + ".onnx")
        if ProcessInfo.processInfo.environment["GRUKIT_WRITE_ONNX_MODEL_FIXTURES"] == "1" {
            try ONNXModel(decoding: bytes, name: url.path).write(to: url)
        }
        #expect(try Data(contentsOf: url) == bytes, "\(testCase.name).onnx differs from what export writes")
    }

    @Test(arguments: ExportedModelCase.all)
    func predictionsMatchOnnxruntime(_ testCase: ExportedModelCase) throws {
        let url = Self.fixtureDirectory.appendingPathComponent(testCase.name + ".onnx")
        let imported = try ONNXGRUKitGraphImport.importedModel(from: ONNXModel.read(contentsOf: url), labels: nil)
        let fixture = try SafetensorsFile.read(
            contentsOf: Self.fixtureDirectory.appendingPathComponent(testCase.name + ".safetensors"))
        let input = try #require(fixture["input"]), expected = try #require(fixture["output"])
        let (batchSize, steps) = (input.shape[0], input.shape[1])
        let lengths = fixture["lengths"].map { $0.scalars.map { Int($0) } } ?? Array(repeating: steps, count: batchSize)
        #expect(lengths.max() == steps, "the longest sequence fills the batch, as GRUKit's batches do")
        let schema = imported.schema
        let examples = (0..<batchSize).map { b -> SequenceExample in
            let length = lengths[b]
            if input.rank == 2 {
                let ids = (0..<length).map { Int(input.scalars[b * steps + $0]) }
                return SequenceExample(input: .tokens(ids), target: .none, source: "row \(b)")
            }
            let features = input.shape[2]
            let raw = Array(input.scalars[(b * steps * features)..<((b * steps + length) * features)])
            let values = schema.featureNormalization?.normalized(raw) ?? raw
            return SequenceExample(input: .features(values, featureCount: features), target: .none, source: "row \(b)")
        }
        let batch = SequenceBatch(examples: examples, exampleIndices: Array(0..<batchSize))
        let output = try imported.model.forward(batch).output
        let width = output.shape[1]
        var actual: [Double] = [], reference: [Float] = []
        switch schema.task {
        case .classify, .forecast:
            let reported =
                schema.task == .classify
                ? (0..<batchSize).flatMap { softmax(output.scalars[($0 * width)..<(($0 + 1) * width)]) }
                : (schema.targetNormalization?.denormalized(output.scalars) ?? output.scalars).map(Double.init)
            actual = reported
            reference = expected.scalars
        case .tag, .languageModel:
            // (T·B, C) time-major rows against (B, T, C); only valid steps carry a prediction.
            for b in 0..<batchSize {
                for t in 0..<lengths[b] {
                    let row = t * batchSize + b
                    actual += softmax(output.scalars[(row * width)..<((row + 1) * width)])
                    let start = (b * steps + t) * width
                    reference += expected.scalars[start..<(start + width)]
                }
            }
        case .seq2seq:
            Issue.record("no export case is a seq2seq model")
        }
        // Forecasts are in the data's units (about 100 here, where one float step is 7.6e-6).
        expectApproximatelyEqual(
            actual, reference, absoluteTolerance: Self.tolerance, relativeTolerance: 1e-6, "\(testCase.name) output")
    }

    /// e^x / sum(e^x) in Double, as `gru predict` computes it.
    private func softmax(_ values: ArraySlice<Float>) -> [Double] {
        let maximum = Double(values.max() ?? 0)
        let sum = values.reduce(0.0) { $0 + exp(Double($1) - maximum) }
        return values.map { exp(Double($0) - maximum) / sum }
    }

    // MARK: - The bare GRU with an initial state

    static let initialStateFixture = "gru_l2_bi_initial_h_lengths"

    static func initialStateParameters() -> GRUParameters {
        GRU(
            configuration: GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2, isBidirectional: true), seed: 23
        ).parameters
    }

    @Test func committedBareGRUExportIsWhatExportWrites() throws {
        let bytes = ONNXGRU.model(
            of: Self.initialStateParameters(), takesSequenceLengths: true, takesInitialState: true
        ).encoded()
        let url = Self.fixtureDirectory.appendingPathComponent(Self.initialStateFixture + ".onnx")
        if ProcessInfo.processInfo.environment["GRUKIT_WRITE_ONNX_MODEL_FIXTURES"] == "1" {
            try ONNXModel(decoding: bytes, name: url.path).write(to: url)
        }
        #expect(try Data(contentsOf: url) == bytes, "\(Self.initialStateFixture).onnx differs from what export writes")
    }

    @Test func bareGRUWithInitialStateMatchesOnnxruntime() throws {
        let url = Self.fixtureDirectory.appendingPathComponent(Self.initialStateFixture + ".onnx")
        let gru = GRU(parameters: try ONNXGRU.parameters(from: ONNXModel.read(contentsOf: url)))
        let fixture = try SafetensorsFile.read(
            contentsOf: Self.fixtureDirectory.appendingPathComponent(Self.initialStateFixture + ".safetensors"))
        let lengths = try #require(fixture["sequence_lens"]).scalars.map { Int($0) }
        let result = try gru.forward(
            #require(fixture["input"]), initialState: #require(fixture["initial_h"]), lengths: lengths)
        expectApproximatelyEqual(result.output, try #require(fixture["Y"]), absoluteTolerance: Self.tolerance, "Y")
        expectApproximatelyEqual(
            result.finalState, try #require(fixture["Y_h"]), absoluteTolerance: Self.tolerance, "Y_h")
    }
}
