import Foundation
import GRUFormats
import GRUInterop
import GRUNetworks
import GRUTestSupport
import GRUTraining
import Testing

/// `gru import`'s directory: written whole when the file imports, not at all when it does not.
@Suite(.tags(.unit))
struct ModelImportJobTests {
    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ModelImportJobTests-\(UUID().uuidString)")
    }

    static func fixtureURL(_ name: String) -> URL {
        ONNXTorchGraphImportReferenceTests.fixtureDirectory.appendingPathComponent(name + ".onnx")
    }

    @Test func writesAModelAndAnEpochZeroCheckpoint() throws {
        let url = Self.temporaryDirectory().appendingPathComponent("model")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let directory = ModelDirectory(url)
        let format = try ModelImportJob(
            inputFile: Self.fixtureURL("tagger_l2_bi_timemajor"), directory: directory,
            labels: ["a", "b", "c", "d", "e"]
        ).run()
        #expect(format == .onnx)
        let expected = try ONNXTorchGraphImport.importedModel(
            from: ONNXModel.read(contentsOf: Self.fixtureURL("tagger_l2_bi_timemajor")),
            labels: ["a", "b", "c", "d", "e"])

        let (model, manifest) = try directory.loadModel()
        #expect(model.parameters == expected.model.parameters)
        #expect(manifest.model == expected.model.configuration)
        #expect(manifest.data == expected.schema)
        #expect(manifest.training == TrainingOptions())
        #expect(manifest.dataOptions.task == .tag)
        let checkpoint = try directory.loadCheckpoint(configuration: manifest.model)
        #expect(checkpoint.model.parameters == expected.model.parameters)
        #expect(checkpoint.state.epochsCompleted == 0)
        #expect(checkpoint.state.history.isEmpty)
        #expect(checkpoint.optimizer == OptimizerState(stepCount: 0, buffers: [:]))
        #expect(checkpoint.bestParameters == nil)
    }

    @Test func writesNothingWhenTheFileDoesNotImport() throws {
        let url = Self.temporaryDirectory().appendingPathComponent("model")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        for (name, labels) in [("unsupported_tanh_before_head", nil), ("classifier_l1_uni_batchfirst", ["only"])] {
            #expect(throws: (any Error).self) {
                try ModelImportJob(inputFile: Self.fixtureURL(name), directory: ModelDirectory(url), labels: labels)
                    .run()
            }
            #expect(!FileManager.default.fileExists(atPath: url.path), "\(name) left \(url.path)")
        }
    }
}
