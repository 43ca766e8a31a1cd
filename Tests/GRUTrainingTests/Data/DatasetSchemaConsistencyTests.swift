import Foundation
import GRUNetworks
import GRUTestSupport
import Testing

@testable import GRUTraining

@Suite("A data schema checked against its model's configuration", .tags(.unit))
struct DatasetSchemaConsistencyTests {
    /// A forecast schema fitted by the loader (two features and targets, window 3, horizon 2)
    /// and the configuration that training builds for it.
    func forecast() throws -> (DatasetSchema, ModelConfiguration) {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let series = "a,b\n" + (1...10).map { "\($0),\($0 * 10)" }.joined(separator: "\n") + "\n"
        let url = try directory.write(series, to: "sales.csv")
        let schema = try DataLoader.load(url, options: DataOptions(task: .forecast, window: 3, horizon: 2)).schema
        let model = ModelConfiguration(task: .forecast, featureCount: 2, hiddenSize: 4, outputSize: schema.outputSize)
        return (schema, model)
    }

    /// A language model's schema fitted on characters, and its configuration.
    func languageModel() throws -> (DatasetSchema, ModelConfiguration) {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write("abcabcabd\nabcabd\n", to: "text.txt")
        let schema = try DataLoader.load(url, options: DataOptions(sequenceLength: 4)).schema
        let size = try #require(schema.vocabulary?.count)
        let model = ModelConfiguration(
            task: .languageModel, vocabularySize: size, embeddingSize: 3, hiddenSize: 4, outputSize: size)
        return (schema, model)
    }

    func expectRefused(
        _ schema: DatasetSchema, _ model: ModelConfiguration, _ fragment: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            try schema.validate(for: model)
            Issue.record("accepted; expected an error containing \(fragment)", sourceLocation: sourceLocation)
        } catch let error as GRUInputError {
            #expect(error.description.contains(fragment), "\(error.description)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("threw \(error); expected a GRUInputError", sourceLocation: sourceLocation)
        }
    }

    @Test("fitted schemas fit the configurations built for them")
    func fittedSchemasPass() throws {
        let (forecastSchema, forecastModel) = try forecast()
        try forecastSchema.validate(for: forecastModel)
        let (textSchema, textModel) = try languageModel()
        try textSchema.validate(for: textModel)
    }

    @Test("a schema of another task or kind of input is refused")
    func taskAndInputKind() throws {
        let (schema, model) = try forecast()
        var classify = model
        classify.task = .classify
        expectRefused(schema, classify, "data schema: task forecast; expected classify, the model's task")
        let (textSchema, _) = try languageModel()
        var textAsForecast = textSchema
        textAsForecast.task = .forecast
        expectRefused(
            textAsForecast, model,
            "a vocabulary instead of feature names; expected 2 feature names, the features the model reads")
        var both = schema
        both.vocabulary = textSchema.vocabulary
        expectRefused(both, model, "expected either a vocabulary or feature names")
    }

    @Test("input sizes must agree: feature names, their normalization, vocabulary")
    func inputSizes() throws {
        let (schema, model) = try forecast()
        var oneFeature = schema
        oneFeature.featureNames = ["a"]
        expectRefused(oneFeature, model, "1 feature names; expected 2 feature names")
        var wider = model
        wider.featureCount = 3
        expectRefused(schema, wider, "2 feature names; expected 3 feature names")
        var normalization = schema
        normalization.featureNormalization = FeatureNormalization(means: [0], standardDeviations: [1])
        expectRefused(normalization, model, "feature normalization of 1 features; expected 2, one a feature name")

        let (textSchema, textModel) = try languageModel()
        var larger = textModel
        larger.vocabularySize = textModel.vocabularySize! + 1
        larger.outputSize = larger.vocabularySize!
        expectRefused(
            textSchema, larger,
            "\(textModel.vocabularySize!) tokens; expected \(larger.vocabularySize!) tokens, the token ids the model reads"
        )
    }

    @Test("forecast parts: targets, window, horizon, target normalization, output size")
    func forecastParts() throws {
        let (schema, model) = try forecast()
        var noTargets = schema
        noTargets.targetNames = []
        expectRefused(noTargets, model, "no target names; expected the target names of a forecast model")
        var noWindow = schema
        noWindow.window = 0
        expectRefused(noWindow, model, "window 0; expected 1...1073741824")
        var hugeHorizon = schema
        hugeHorizon.horizon = Int.max
        expectRefused(hugeHorizon, model, "horizon \(Int.max); expected 1...1073741824")
        var targetNormalization = schema
        targetNormalization.targetNormalization = FeatureNormalization(
            means: [0, 0, 0], standardDeviations: [1, 1, 1])
        expectRefused(targetNormalization, model, "target normalization of 3 targets; expected 2, one a target name")
        var longer = schema
        longer.horizon = 3
        expectRefused(
            longer, model,
            "horizon 3 and 2 targets, which make 6 values a prediction; expected 4, the values the model writes")
    }

    @Test("classify and tag schemas need labels as many as the model's outputs")
    func labels() throws {
        let (textSchema, _) = try languageModel()
        var classify = textSchema
        classify.task = .classify
        let model = ModelConfiguration(
            task: .classify, vocabularySize: textSchema.vocabulary!.count, embeddingSize: 3, hiddenSize: 4,
            outputSize: 2)
        expectRefused(classify, model, "no labels; expected the labels of a classify model")
        classify.labels = LabelSet(names: ["yes", "no", "maybe"])
        expectRefused(
            classify, model, "3 labels, which make 3 values a prediction; expected 2, the values the model writes")
        classify.labels = LabelSet(names: ["yes", "no"])
        try classify.validate(for: model)
    }
}
