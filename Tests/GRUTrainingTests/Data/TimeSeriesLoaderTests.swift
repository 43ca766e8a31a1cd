import Foundation
import GRUTestSupport
import Testing

@testable import GRUTraining

@Suite("Time series (.csv forecast windows)", .tags(.unit))
struct TimeSeriesLoaderTests {
    /// Ten monthly rows: a = 1...10, b = 10 a, and a date column.
    let series = "month,a,b\n" + (1...10).map { "2000-\($0),\($0),\($0 * 10)" }.joined(separator: "\n") + "\n"
    let forecast = DataOptions(task: .forecast, window: 3, horizon: 2)

    @Test("N rows give N - window - horizon + 1 windows of inputs and the following targets")
    func windows() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write(series, to: "sales.csv")
        let dataset = try DataLoader.load(url, options: forecast)
        #expect(dataset.task == .forecast)
        #expect(dataset.count == 6)
        #expect(dataset.lengths == Array(repeating: 3, count: 6))
        #expect(dataset.skipped.count(for: "non-numeric columns ('month')") == 1)
        #expect(dataset.schema.featureNames == ["a", "b"])
        #expect(dataset.schema.targetNames == ["a", "b"])
        #expect(dataset.schema.window == 3)
        #expect(dataset.schema.horizon == 2)
        #expect(dataset.schema.outputSize == 4)
        // The first predicted row of window 0 is data row 3, on line 5.
        #expect(dataset.examples[0].source == "\(url.path):5")

        // Fitted on all ten rows: a has mean 5.5 and deviation sqrt(8.25).
        let normalization = try #require(dataset.schema.featureNormalization)
        expectApproximatelyEqual(normalization.means, [5.5, 55], absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        expectApproximatelyEqual(
            normalization.standardDeviations, [Float(8.25).squareRoot(), 10 * Float(8.25).squareRoot()],
            absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        let targets = try #require(dataset.schema.targetNormalization)
        expectApproximatelyEqual(
            targets.denormalized(targetValues(dataset.examples[0])), [4, 40, 5, 50],
            absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        expectApproximatelyEqual(
            normalization.denormalized(featureValues(dataset.examples[5])), [6, 60, 7, 70, 8, 80],
            absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
    }

    @Test("target columns choose the outputs; input columns choose the inputs")
    func chosenColumns() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write(series, to: "sales.csv")
        var options = forecast
        options.inputColumns = ["a"]
        options.targetColumns = ["b"]
        let dataset = try DataLoader.load(url, options: options)
        #expect(dataset.schema.featureNames == ["a"])
        #expect(dataset.schema.targetNames == ["b"])
        #expect(dataset.schema.inputSize == 1)
        #expect(dataset.schema.outputSize == 2)
        #expect(dataset.skipped.total == 0)
        let targets = try #require(dataset.schema.targetNormalization)
        expectApproximatelyEqual(
            targets.denormalized(targetValues(dataset.examples[1])), [50, 60],
            absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
    }

    @Test("a split by time fits the normalization on the training rows only")
    func splitByTime() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write(series, to: "sales.csv")
        // 3 of 10 rows are validation: training windows end by row 7, validation targets start at row 7.
        let (training, validation) = try DataLoader.loadSplit(url, validationFraction: 0.3, seed: 1, options: forecast)
        #expect(training.count == 3)
        #expect(validation.count == 2)
        #expect(training.skipped.count(for: "windows with targets on both sides of the validation split") == 1)
        #expect(training.schema == validation.schema)

        // Rows 1...7 of a: mean 4, population deviation 2.
        let normalization = try #require(training.schema.featureNormalization)
        expectApproximatelyEqual(normalization.means, [4, 40], absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        expectApproximatelyEqual(
            normalization.standardDeviations, [2, 20], absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        // Validation window 0 reads a = 5, 6, 7 and predicts a = 8, 9.
        expectApproximatelyEqual(
            featureValues(validation.examples[0]), [0.5, 0.5, 1, 1, 1.5, 1.5],
            absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        expectApproximatelyEqual(
            targetValues(validation.examples[0]), [2, 2, 2.5, 2.5], absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        let targets = try #require(validation.schema.targetNormalization)
        expectApproximatelyEqual(
            targets.denormalized(targetValues(validation.examples[1])), [9, 90, 10, 100],
            absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
    }

    @Test("without a header, columns are named column1...; blank lines are counted")
    func noHeader() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write("1,2\n2,4\n\n3,6\n4,8\n", to: "plain.csv")
        let dataset = try DataLoader.load(url, options: DataOptions(task: .forecast, window: 2, horizon: 1))
        #expect(dataset.schema.featureNames == ["column1", "column2"])
        #expect(dataset.count == 2)
        #expect(dataset.skipped.count(for: "blank lines") == 1)
        // Blank lines do not count as rows: window 1 reads lines 2 and 4 and predicts line 5.
        #expect(dataset.examples[1].source == "\(url.path):5")
        let tsv = try directory.write("x\ty\n1\t2\n2\t4\n3\t6\n", to: "plain.tsv")
        #expect(try DataLoader.load(tsv, options: DataOptions(task: .forecast, window: 2, horizon: 1)).count == 1)
    }

    @Test("a validation file is read with the training columns and statistics")
    func validationFile() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let training = try DataLoader.load(try directory.write(series, to: "train.csv"), options: forecast)
        let validation = try DataLoader.load(
            try directory.write("b,a\n1,0\n2,1\n3,2\n4,3\n5,4\n", to: "valid.csv"), options: forecast,
            schema: training.schema)
        #expect(validation.count == 1)
        let normalization = try #require(training.schema.featureNormalization)
        expectApproximatelyEqual(
            normalization.denormalized(featureValues(validation.examples[0])), [0, 1, 1, 2, 2, 3],
            absoluteTolerance: 1e-5, relativeTolerance: 1e-5)

        let missing = try directory.write("a,c\n1,2\n2,3\n3,4\n4,5\n5,6\n", to: "other.csv")
        expectDataError(missing.path, ["has no column 'b'", "its columns are 'a', 'c'"]) {
            _ = try DataLoader.load(missing, options: forecast, schema: training.schema)
        }
    }

    @Test("bad values, field counts, too few rows and bad settings are errors")
    func errors() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let word = try directory.write("a,b\n1,2\n2,x\n3,4\n4,5\n5,6\n", to: "word.csv")
        expectDataError("\(word.path):3", ["column 'b' holds 'x'; expected a finite number"]) {
            _ = try DataLoader.load(word, options: forecast)
        }
        let empty = try directory.write("a,b\n1,2\n2,3\n3,\n4,5\n5,6\n", to: "empty.csv")
        expectDataError("\(empty.path):4", ["column 'b' holds an empty value", "missing values are not supported"]) {
            _ = try DataLoader.load(empty, options: forecast)
        }
        let ragged = try directory.write("a,b\n1,2\n2\n", to: "ragged.csv")
        expectDataError("\(ragged.path):3", ["found 1 fields; expected 2, one per column"]) {
            _ = try DataLoader.load(ragged, options: forecast)
        }
        let short = try directory.write("a\n1\n2\n3\n4\n", to: "short.csv")
        expectDataError(short.path, ["has 4 rows; expected at least window + horizon = 5"]) {
            _ = try DataLoader.load(short, options: forecast)
        }
        let url = try directory.write(series, to: "sales.csv")
        var unknown = forecast
        unknown.targetColumns = ["c"]
        expectDataError(url.path, ["has no column 'c'", "its columns are 'month', 'a', 'b'"]) {
            _ = try DataLoader.load(url, options: unknown)
        }
        expectDataError(url.path, ["window 0 and horizon 1 are not valid"]) {
            _ = try DataLoader.load(url, options: DataOptions(task: .forecast, window: 0))
        }
        expectDataError(url.path, ["the training part has 4 rows; expected at least window + horizon = 5"]) {
            _ = try DataLoader.loadSplit(url, validationFraction: 0.6, seed: 0, options: forecast)
        }
        expectDataError(url.path, ["the validation part has 1 rows; expected at least the horizon, 2"]) {
            _ = try DataLoader.loadSplit(url, validationFraction: 0.1, seed: 0, options: forecast)
        }
        let repeated = try directory.write("a,a\n1,2\n", to: "repeated.csv")
        expectDataError("\(repeated.path):1", ["column name 'a' repeats"]) {
            _ = try DataLoader.load(repeated, options: forecast)
        }
    }
}
