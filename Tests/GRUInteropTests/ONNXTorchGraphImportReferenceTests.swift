import Foundation
import GRUFormats
import GRUInterop
import GRUNetworks
import GRUTensor
import GRUTestSupport
import GRUTraining
import Testing

/// Whole PyTorch models (nn.GRU and an nn.Linear head) exported by `torch.onnx.export`
/// (TorchScript, opset 14), made by Tools/Reference/make_onnx_import_fixtures.py in
/// Tests/Fixtures/onnx-import: taggers and classifiers of 1 to 3 layers, uni- and
/// bidirectional, batch-first and time-major, with and without pack_padded_sequence. Each is
/// imported with ONNXTorchGraphImport and run by SequenceModel.forward on the fixture's input,
/// which must give PyTorch's output (onnxruntime agrees in the script) within 1e-5 per element,
/// at every valid step of a tagger.
@Suite(.tags(.reference))
struct ONNXTorchGraphImportReferenceTests {
    static let fixtureDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/onnx-import")

    static let fixtureNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtureDirectory.path)) ?? []
        return names.filter { $0.hasSuffix(".onnx") && !$0.hasPrefix("unsupported_") }.map { String($0.dropLast(5)) }
            .sorted()
    }()

    @Test func everyFixtureIsPresent() {
        #expect(Self.fixtureNames.filter { $0.hasPrefix("tagger_") }.count == 6)
        #expect(Self.fixtureNames.filter { $0.hasPrefix("classifier_") }.count == 6)
    }

    @Test(arguments: fixtureNames)
    func matchesPyTorch(_ name: String) throws {
        let directory = Self.fixtureDirectory
        let file = try ONNXModel.read(contentsOf: directory.appendingPathComponent(name + ".onnx"))
        let expected = try SafetensorsFile.read(contentsOf: directory.appendingPathComponent(name + ".safetensors"))
        let imported = try ONNXTorchGraphImport.importedModel(from: file, labels: nil)
        let configuration = imported.model.configuration

        // What the name says the module was.
        let layers = Int(name.split(separator: "_")[1].dropFirst())!
        #expect(configuration.task == (name.hasPrefix("tagger_") ? .tag : .classify))
        #expect(configuration.layers == layers)
        #expect(configuration.bidirectional == name.contains("_bi_"))
        #expect(configuration.variant == .resetAfter, "torch.onnx.export writes linear_before_reset = 1")
        #expect(configuration.pooling == .lastState)
        #expect((configuration.featureCount, configuration.hiddenSize, configuration.outputSize) == (3, 4, 5))
        #expect(imported.schema.labels?.names == ["0", "1", "2", "3", "4"])
        #expect(imported.schema.featureNames == ["feature1", "feature2", "feature3"])

        let input = try expected.require("input")
        let isBatchFirst = name.contains("batchfirst")
        let (batchSize, steps) = isBatchFirst ? (input.shape[0], input.shape[1]) : (input.shape[1], input.shape[0])
        let featureCount = input.shape[2]
        let lengths =
            expected["lengths"].map { $0.scalars.map { Int($0) } } ?? Array(repeating: steps, count: batchSize)
        func inputIndex(_ step: Int, _ sequence: Int) -> Int {
            (isBatchFirst ? sequence * steps + step : step * batchSize + sequence) * featureCount
        }
        let examples = (0..<batchSize).map { sequence in
            let rows = (0..<lengths[sequence]).flatMap { step in
                input.scalars[inputIndex(step, sequence)..<(inputIndex(step, sequence) + featureCount)]
            }
            return SequenceExample(
                input: .features(Array(rows), featureCount: featureCount), target: .none, source: "\(name)[\(sequence)]"
            )
        }
        let batch = SequenceBatch(examples: examples, exampleIndices: Array(0..<batchSize))
        let output = try imported.model.forward(batch).output
        let reference = try expected.require("output")
        let classes = configuration.outputSize

        var actual: [Float] = [], wanted: [Float] = []
        if configuration.task == .tag {
            // (T·B, C) time-major rows, against PyTorch's (B, T, C) or (T, B, C), valid steps only.
            let longest = lengths.max()!
            for sequence in 0..<batchSize {
                for step in 0..<lengths[sequence] {
                    let row = (step * batchSize + sequence) * classes
                    actual += output.scalars[row..<(row + classes)]
                    let referenceRow = (isBatchFirst ? sequence * steps + step : step * batchSize + sequence) * classes
                    wanted += reference.scalars[referenceRow..<(referenceRow + classes)]
                }
            }
            #expect(output.shape == [longest * batchSize, classes])
        } else {
            #expect(output.shape == [batchSize, classes])
            #expect(reference.shape == [batchSize, classes])
            (actual, wanted) = (output.scalars, reference.scalars)
        }
        expectApproximatelyEqual(actual, wanted, absoluteTolerance: 1e-5, "\(name) output")
    }
}
