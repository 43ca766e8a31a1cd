import Foundation
import GRUTestSupport
import Testing

@testable import GRUTraining

/// Reading new, unlabelled files for prediction (`DataOptions.requiresTargets` false), and the
/// same files staying errors when targets are required (training and evaluation).
@Suite("Unlabelled files for prediction", .tags(.unit))
struct UnlabelledDataTests {
    /// Options that accept files without labels.
    private var unlabelled: DataOptions {
        var options = DataOptions()
        options.requiresTargets = false
        return options
    }

    @Test("requiresTargets is not saved: stored options always read labelled data")
    func requiresTargetsIsNotSaved() throws {
        let json = try JSONEncoder().encode(unlabelled)
        #expect(!String(decoding: json, as: UTF8.self).contains("requiresTargets"))
        #expect(try JSONDecoder().decode(DataOptions.self, from: json) == DataOptions())
    }

    @Test("label-and-text: a header with only the text column, or one headerless field, gives examples without targets")
    func labelTextWithoutLabels() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let training = try DataLoader.load(
            try directory.write("label,text\npos,good film\nneg,bad film\n", to: "train.csv"))
        let vocabulary = try #require(training.schema.vocabulary)

        let withHeader = try directory.write("id,text\n7,good film\n8,\"bad, bad\"\n\n9,...\n10,film\n", to: "new.csv")
        let dataset = try DataLoader.load(withHeader, options: unlabelled, schema: training.schema)
        #expect(dataset.examples.map(\.target) == [.none, .none, .none])
        #expect(dataset.examples.map(\.source) == [2, 3, 6].map { "\(withHeader.path):\($0)" })
        #expect(tokenIDs(dataset.examples[0]) == vocabulary.ids(for: ["good", "film"]))
        #expect(dataset.skipped.count(for: "blank lines") == 1)
        #expect(dataset.skipped.count(for: "rows without tokens") == 1)

        let headerless = try directory.write("good film\nbad\n", to: "new.tsv")
        let rows = try DataLoader.load(headerless, options: unlabelled, schema: training.schema)
        #expect(rows.examples.map(\.target) == [.none, .none])
        #expect(tokenIDs(rows.examples[1]) == vocabulary.ids(for: ["bad"]))

        let mixed = try directory.write("good film\npos,bad\n", to: "mixed.csv")
        expectDataError("\(mixed.path):2", ["expected 1 field (text), as in the first row, found 2"]) {
            _ = try DataLoader.load(mixed, options: unlabelled, schema: training.schema)
        }
    }

    @Test("label-and-text: files with labels are read as usual, and a label is still checked")
    func labelTextWithLabelsWhenNotRequired() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let training = try DataLoader.load(try directory.write("pos,good film\nneg,bad film\n", to: "train.csv"))
        let labelled = try DataLoader.load(
            try directory.write("neg,bad\npos,good\n", to: "test.csv"), options: unlabelled, schema: training.schema)
        #expect(labelled.examples.map(\.target) == [.classIndex(0), .classIndex(1)])
        let unknown = try directory.write("label,text\nmaybe,good\n", to: "unknown.csv")
        expectDataError("\(unknown.path):2", ["label 'maybe' is not one of the 2 classes"]) {
            _ = try DataLoader.load(unknown, options: unlabelled, schema: training.schema)
        }
    }

    @Test("label-and-text: a missing label column is the same error when targets are required")
    func labelTextStrictWhenRequired() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let training = try DataLoader.load(try directory.write("pos,good film\nneg,bad film\n", to: "train.csv"))
        let headerless = try directory.write("good film\nbad\n", to: "a.csv")
        expectDataError("\(headerless.path):1", ["expected 2 fields (label, text), found 1"]) {
            _ = try DataLoader.load(headerless, schema: training.schema)
        }
        let textOnly = try directory.write("text\ngood film\n", to: "b.csv")
        var present = DataOptions()
        present.header = .present
        expectDataError("\(textOnly.path):1", ["expected columns 'label' and 'text'"]) {
            _ = try DataLoader.load(textOnly, options: present, schema: training.schema)
        }
        present.requiresTargets = false
        #expect(
            try DataLoader.load(textOnly, options: present, schema: training.schema).examples.map(\.target) == [.none])
        expectDataError(textOnly.path, ["has no labels", "labelled training data"]) {
            _ = try DataLoader.load(textOnly, options: present)
        }
    }

    @Test(".ts: @classLabel false reads cases without a label field; it stays an error when targets are required")
    func tsWithoutLabels() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let training = try DataLoader.load(
            try directory.write(
                "@problemName toy\n@univariate false\n@dimensions 2\n@classLabel true up down\n@data\n1,2,3:4,5,6:up\n3,2,1:6,5,4:down\n",
                to: "train.ts"))
        let url = try directory.write(
            "@problemName toy\n@univariate false\n@dimensions 2\n@classLabel false\n@data\n1,2:3,4\n# note\n5,6,7:8,9,10\n",
            to: "new.ts")
        let dataset = try DataLoader.load(url, options: unlabelled, schema: training.schema)
        #expect(dataset.examples.map(\.target) == [.none, .none])
        #expect(dataset.examples.map(\.source) == ["\(url.path):6", "\(url.path):8"])
        #expect(dataset.examples[0].input == .features([1, 3, 2, 4], featureCount: 2))
        #expect(dataset.skipped.count(for: "comment lines") == 1)

        let univariate = try directory.write("@univariate true\n@classLabel false\n@data\n1,2,3\n", to: "one.ts")
        expectDataError(univariate.path, ["declares @classLabel false", "expected labelled training data"]) {
            _ = try DataLoader.load(univariate, options: unlabelled)
        }
        expectDataError(univariate.path, ["has 1 dimensions; the model expects 2"]) {
            _ = try DataLoader.load(univariate, options: unlabelled, schema: training.schema)
        }
        expectDataError("\(url.path):4", ["found @classLabel false", "expected @classLabel true"]) {
            _ = try DataLoader.load(url, schema: training.schema)
        }
    }

    @Test("CoNLL: one column per line gives sentences without tags; it stays an error when targets are required")
    func conllWithoutTags() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let training = try DataLoader.load(
            try directory.write("the DET\ncat NOUN\n\na DET\ndog NOUN\n", to: "train.conll"))
        let vocabulary = try #require(training.schema.vocabulary)
        let url = try directory.write("-DOCSTART-\n\nthe\ndog\n\n\na\ncat\nsat\n", to: "new.conll")
        let dataset = try DataLoader.load(url, options: unlabelled, schema: training.schema)
        #expect(dataset.examples.map(\.target) == [.none, .none])
        #expect(dataset.examples.map(\.source) == ["\(url.path):3", "\(url.path):7"])
        #expect(tokenIDs(dataset.examples[0]) == vocabulary.ids(for: ["the", "dog"]))
        #expect(dataset.examples[1].length == 3)

        let mixed = try directory.write("the\ndog NOUN\n", to: "mixed.conll")
        expectDataError("\(mixed.path):2", ["found 2 columns; expected 1 as on the first token line"]) {
            _ = try DataLoader.load(mixed, options: unlabelled, schema: training.schema)
        }
        expectDataError("\(url.path):3", ["found 1 column ('the')", "expected a token and its tag"]) {
            _ = try DataLoader.load(url, schema: training.schema)
        }
    }

    @Test(
        "time series: a window ends at every row, the last past the file's end, all without targets; labelled reads are unchanged"
    )
    func timeSeriesForecastsPastTheEnd() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        // Ten rows, a = 1...10 and b = 10 a, on lines 2...11; windows of 3 predicting 2.
        let series = "month,a,b\n" + (1...10).map { "2000-\($0),\($0),\($0 * 10)" }.joined(separator: "\n") + "\n"
        let url = try directory.write(series, to: "sales.csv")
        let options = DataOptions(task: .forecast, window: 3, horizon: 2)
        let training = try DataLoader.load(url, options: options)
        var unlabelledSeries = options
        unlabelledSeries.requiresTargets = false

        // N - window + 1 = 8 windows, each named by its last row's line; the last ends at line 11.
        let dataset = try DataLoader.load(url, options: unlabelledSeries, schema: training.schema)
        #expect(dataset.count == 8)
        #expect(dataset.examples.map(\.target) == Array(repeating: .none, count: 8))
        #expect(dataset.examples.map(\.source) == (4...11).map { "\(url.path):\($0)" })
        let normalization = try #require(training.schema.featureNormalization)
        expectApproximatelyEqual(
            normalization.denormalized(featureValues(dataset.examples[7])), [8, 80, 9, 90, 10, 100],
            absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        expectApproximatelyEqual(
            normalization.denormalized(featureValues(dataset.examples[0])), [1, 10, 2, 20, 3, 30],
            absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        let batch = SequenceBatch(examples: Array(dataset.examples[5...]), exampleIndices: [5, 6, 7])
        #expect(batch.targets == .none)

        // Labelled mode with the same schema: N - window - horizon + 1 = 6 windows, as in training.
        let labelled = try DataLoader.load(url, options: options, schema: training.schema)
        #expect(labelled.examples == training.examples)
        #expect(labelled.count == 6)
        #expect(labelled.examples[0].source == "\(url.path):5")

        // Only the window's rows are needed, and not the target columns that are not inputs.
        var aOnly = unlabelledSeries
        aOnly.inputColumns = ["a"]
        aOnly.targetColumns = ["b"]
        let aToB = try DataLoader.load(url, options: aOnly)
        let three = try directory.write("a\n4\n5\n6\n", to: "three.csv")
        let one = try DataLoader.load(three, options: unlabelledSeries, schema: aToB.schema)
        #expect(one.examples.map(\.source) == ["\(three.path):4"])
        let short = try directory.write("a,b\n1,10\n2,20\n", to: "short.csv")
        expectDataError(short.path, ["has 2 rows; expected at least the window, 3, to make one forecast"]) {
            _ = try DataLoader.load(short, options: unlabelledSeries, schema: training.schema)
        }
        expectDataError(three.path, ["has 3 rows; expected at least window + horizon = 5"]) {
            _ = try DataLoader.load(three, options: options, schema: aToB.schema)
        }
    }
}
