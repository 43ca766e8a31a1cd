import Foundation
import GRUFormats
import GRUNetworks
import GRUTestSupport
import GRUTraining
import GRUWorkflows
import Testing

/// `TrainingJob` end to end on a tiny time-series file: the checkpoint writer holds the model
/// directory while the run lasts, and a resumed run refuses other settings.
@Suite(.tags(.endToEnd))
struct TrainingJobEndToEndTests {
    let directory: WorkflowDirectory
    let data: URL

    init() throws {
        directory = try WorkflowDirectory()
        let rows = (0..<40).map { step in String(sin(0.4 * Double(step))) }
        data = try directory.write("value\n" + rows.joined(separator: "\n") + "\n", to: "series.csv")
    }

    private func job(_ configure: (inout TrainingRecipe) -> Void = { _ in }, resume: Bool = false) -> TrainingJob {
        var recipe = TrainingRecipe()
        recipe.data.task = .forecast
        recipe.data.window = 4
        recipe.model.hiddenSize = 3
        recipe.optimization.epochs = 2
        recipe.optimization.batchSize = 8
        configure(&recipe)
        return TrainingJob(
            recipe: recipe, trainingFile: data, validationFile: nil,
            directory: ModelDirectory(directory.url.appendingPathComponent("model")), resume: resume)
    }

    @Test func theWriterSavesEveryEpochAndHoldsTheDirectory() throws {
        let prepared = try job().prepare()
        var savedBeforeEpochEvent: [Bool] = []
        try prepared.run { event in
            if case .epoch = event { savedBeforeEpochEvent.append(prepared.writer?.directory.hasCheckpoint == true) }
        }
        #expect(savedBeforeEpochEvent == [true, true])
        #expect(try prepared.writer?.directory.loadManifest() == prepared.manifest)
        // While the first run's writer lives, a second cannot take the directory.
        #expect(throws: FormatError.self) { try job().prepare() }
    }

    @Test func aResumedRunContinuesAndRefusesOtherSettings() throws {
        try job().prepare().run()
        let refused = #expect(throws: GRUInputError.self) {
            try job({ $0.model.hiddenSize = 5 }, resume: true).prepare()
        }
        #expect(
            refused?.description.contains("--hidden-size 5 (the checkpointed run has 3)") == true,
            "\(String(describing: refused))")
        let resumed = try job({ $0.optimization.epochs = 3 }, resume: true).prepare()
        #expect(resumed.trainer.state.epochsCompleted == 2)
        try resumed.run()
        #expect(resumed.trainer.state.epochsCompleted == 3)
    }
}
