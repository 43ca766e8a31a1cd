import Foundation
import GRUTestSupport
import Testing

@testable import GRUTraining

@Suite("DatasetPartition", .tags(.unit))
struct DatasetPartitionTests {
    @Test("a random split is deterministic for a seed, disjoint, complete and in file order")
    func random() throws {
        let split = try DatasetPartition.random(count: 10, validationFraction: 0.3, seed: 11, name: "data")
        #expect(split.validation.count == 3)
        #expect(split.training.count == 7)
        #expect((split.training + split.validation).sorted() == Array(0..<10))
        #expect(split.training == split.training.sorted())
        #expect(split.validation == split.validation.sorted())
        #expect(try DatasetPartition.random(count: 10, validationFraction: 0.3, seed: 11, name: "data") == split)
        let others = try (12..<20).map {
            try DatasetPartition.random(count: 10, validationFraction: 0.3, seed: UInt64($0), name: "data")
        }
        #expect(others.contains { $0.validation != split.validation })
    }

    @Test("each part keeps at least one record")
    func clamping() throws {
        #expect(
            try DatasetPartition.random(count: 10, validationFraction: 0.01, seed: 0, name: "data").validation.count
                == 1)
        #expect(
            try DatasetPartition.random(count: 10, validationFraction: 0.99, seed: 0, name: "data").training.count == 1)
        #expect(
            try DatasetPartition.trailing(count: 5, validationFraction: 0.4, name: "data")
                == DatasetPartition(training: [0, 1, 2], validation: [3, 4]))
    }

    @Test("a fraction outside (0, 1) or a single record is an error")
    func errors() {
        for fraction in [0.0, 1.0, -0.5, .nan] {
            expectDataError("data", ["validation fraction", "expected a number between 0 and 1"]) {
                _ = try DatasetPartition.random(count: 10, validationFraction: fraction, seed: 0, name: "data")
            }
        }
        expectDataError("data", ["cannot split 1 examples into training and validation; expected at least 2"]) {
            _ = try DatasetPartition.trailing(count: 1, validationFraction: 0.5, name: "data")
        }
    }
}

@Suite("SequenceDataset", .tags(.unit))
struct SequenceDatasetTests {
    @Test("truncation keeps the first steps (and tags) and reports how many were cut")
    func truncation() {
        let dataset = SequenceDataset(
            schema: DatasetSchema(task: .tag),
            examples: [
                SequenceExample(input: .tokens([2, 3, 4, 5]), target: .stepClasses([0, 1, 0, 1]), source: "a"),
                SequenceExample(input: .tokens([6]), target: .stepClasses([1]), source: "b"),
            ],
            source: "memory")
        let truncated = dataset.truncated(toMaximumLength: 2)
        #expect(truncated.examples[0].input == .tokens([2, 3]))
        #expect(truncated.examples[0].target == .stepClasses([0, 1]))
        #expect(truncated.examples[1] == dataset.examples[1])
        #expect(truncated.skipped.count(for: "sequences truncated to 2 steps") == 1)
        #expect(dataset.truncated(toMaximumLength: 9).skipped.total == 0)
    }

    @Test("forecast truncation keeps the last steps, next to the predicted future")
    func forecastTruncation() {
        let dataset = SequenceDataset(
            schema: DatasetSchema(task: .forecast),
            examples: [
                SequenceExample(
                    input: .features([1, 2, 3, 4, 5, 6], featureCount: 2), target: .values([7]), source: "a")
            ],
            source: "memory")
        #expect(dataset.truncated(toMaximumLength: 1).examples[0].input == .features([5, 6], featureCount: 2))
    }

    @Test("a subset keeps the schema and report")
    func subset() {
        var report = SkipReport()
        report.record("blank lines", count: 2)
        let dataset = SequenceDataset(
            schema: DatasetSchema(task: .classify),
            examples: (0..<3).map {
                SequenceExample(input: .tokens([$0 + 2]), target: .classIndex(0), source: "\($0)")
            },
            skipped: report, source: "memory")
        let subset = dataset.subset([2, 0])
        #expect(subset.examples.map(\.source) == ["2", "0"])
        #expect(subset.skipped == report)
    }
}

@Suite("SkipReport, DatasetSchema and DataFormat", .tags(.unit))
struct DataMetadataTests {
    @Test("a skip report counts by reason in first-seen order")
    func skipReport() {
        var report = SkipReport()
        #expect(report.description == "nothing skipped")
        report.record("blank lines")
        report.record("-DOCSTART- lines", count: 3)
        report.record("blank lines")
        report.record("never", count: 0)
        #expect(report.entries.map(\.reason) == ["blank lines", "-DOCSTART- lines"])
        #expect(report.total == 5)
        #expect(report.description == "skipped 2 blank lines, 3 -DOCSTART- lines")
    }

    @Test("a schema round-trips through JSON and gives the model's sizes")
    func schema() throws {
        let schema = DatasetSchema(
            task: .forecast, featureNames: ["a", "b", "c"],
            featureNormalization: FeatureNormalization(means: [0, 1, 2], standardDeviations: [1, 2, 3]),
            targetNames: ["b"], targetNormalization: FeatureNormalization(means: [1], standardDeviations: [2]),
            window: 12, horizon: 4)
        #expect(schema.inputSize == 3)
        #expect(schema.outputSize == 4)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try JSONDecoder().decode(DatasetSchema.self, from: encoder.encode(schema)) == schema)

        let text = DatasetSchema(
            task: .classify, vocabulary: Vocabulary(fitting: [["x"]]), tokenizer: .words,
            labels: LabelSet(names: ["a", "b"]))
        #expect(text.inputSize == 3)
        #expect(text.outputSize == 2)
        let json = String(decoding: try encoder.encode(text), as: UTF8.self)
        #expect(json.contains(#""task":"classify""#))
        #expect(json.contains(#""vocabulary":{"tokens":["<pad>","<unk>","x"]}"#))
        #expect(try JSONDecoder().decode(DatasetSchema.self, from: Data(json.utf8)) == text)
    }

    @Test("the format follows the extension, case-insensitively; directories are .npy")
    func formats() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let expected: [(String, DataFormat)] = [
            ("a.ts", .ts), ("a.CSV", .csv), ("a.tsv", .tsv), ("a.conll", .conll), ("a.txt", .text), ("a.npy", .npy),
        ]
        for (name, format) in expected {
            #expect(try DataFormat(of: URL(fileURLWithPath: name)) == format)
        }
        #expect(DataFormat(fileExtension: "text") == .text)
        #expect(DataFormat(rawValue: "txt") == .text)
        #expect(try DataFormat(of: directory.url) == .npy)
        expectDataError("data.json", ["cannot tell the data format from extension '.json'", "expected .ts, .csv"]) {
            _ = try DataFormat(of: URL(fileURLWithPath: "data.json"))
        }
        expectDataError("README", ["from no extension"]) { _ = try DataFormat(of: URL(fileURLWithPath: "README")) }
    }

    @Test("a forced format reads any file name; tasks that disagree are errors")
    func forcedFormatAndTasks() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write("a X\nb Y\n", to: "tags.data")
        let dataset = try DataLoader.load(url, options: DataOptions(format: .conll))
        #expect(dataset.task == .tag)
        expectDataError(url.path, ["the task is classify but the model was trained for tag"]) {
            _ = try DataLoader.load(url, options: DataOptions(format: .conll, task: .classify), schema: dataset.schema)
        }
        let text = try directory.write("hello", to: "a.txt")
        expectDataError(text.path, ["the task is language-model but the model was trained for tag"]) {
            _ = try DataLoader.load(text, options: DataOptions(task: .languageModel), schema: dataset.schema)
        }
        expectDataError(text.path, ["cannot read .txt data for the tag task; expected language-model"]) {
            _ = try DataLoader.load(text, schema: dataset.schema)
        }
        expectDataError(text.path, ["cannot read .txt data for the classify task; expected language-model"]) {
            _ = try DataLoader.load(text, options: DataOptions(task: .classify))
        }
    }
}
