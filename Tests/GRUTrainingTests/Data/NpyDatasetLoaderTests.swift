import Foundation
import GRUFormats
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUTraining

@Suite("NumPy arrays (.npy)", .tags(.unit))
struct NpyDatasetLoaderTests {
    /// X (N = 3, T = 4, F = 2) with element [n, t, f] = 100 n + 10 t + f.
    let inputs: Tensor = {
        var scalars: [Float] = []
        for n in 0..<3 {
            for t in 0..<4 {
                for f in 0..<2 { scalars.append(Float(100 * n + 10 * t + f)) }
            }
        }
        return Tensor(shape: [3, 4, 2], scalars: scalars)
    }()

    @Test("X, y and lengths beside it by name: classes, lengths and batch-first rows")
    func classify() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write(Npy.encode(inputs), to: "X_train.npy")
        try directory.write(Npy.encodeIntegers([2, 0, 1]), to: "y_train.npy")
        try directory.write(Npy.encodeIntegers([4, 1, 2]), to: "lengths_train.npy")
        let dataset = try DataLoader.load(url)
        #expect(dataset.task == .classify)
        #expect(dataset.lengths == [4, 1, 2])
        #expect(dataset.schema.labels?.names == ["0", "1", "2"])
        #expect(dataset.schema.featureNames == ["feature1", "feature2"])
        #expect(dataset.examples.map(\.target) == [.classIndex(2), .classIndex(0), .classIndex(1)])
        #expect(featureValues(dataset.examples[2]) == [200, 201, 210, 211])
        #expect(dataset.examples[1].source == "\(url.path)[1]")
    }

    @Test("a directory holds X.npy and y.npy; without lengths every sequence is full")
    func directoryLayout() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        try directory.write(Npy.encode(inputs), to: "X.npy")
        try directory.write(Npy.encodeIntegers([1, 1, 0]), to: "y.npy")
        let dataset = try DataLoader.load(directory.url)
        #expect(dataset.lengths == [4, 4, 4])
        #expect(dataset.schema.labels?.count == 2)
    }

    @Test("integer y per step is tagging; float y is forecasting")
    func tagAndForecast() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write(Npy.encode(inputs), to: "train_X.npy")
        try directory.write(
            Npy.encodeIntegers([0, 1, 2, 3, 1, -1, -1, -1, 4, 0, -1, -1], shape: [3, 4]), to: "train_y.npy")
        try directory.write(Npy.encodeIntegers([4, 1, 2]), to: "train_lengths.npy")
        let tagged = try DataLoader.load(url)
        #expect(tagged.task == .tag)
        #expect(tagged.schema.labels?.count == 5)
        #expect(
            tagged.examples.map(\.target) == [.stepClasses([0, 1, 2, 3]), .stepClasses([1]), .stepClasses([4, 0])])

        try directory.write(Npy.encode(Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])), to: "train_y.npy")
        let regression = try DataLoader.load(url)
        #expect(regression.task == .forecast)
        #expect(regression.schema.targetNames == ["target1", "target2"])
        #expect(regression.schema.outputSize == 2)
        #expect(regression.examples[2].target == .values([5, 6]))
    }

    @Test("explicit paths override the names; features are standardized on request")
    func explicitPathsAndNormalization() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write(Npy.encode(inputs), to: "inputs.npy")
        let labels = try directory.write(Npy.encodeIntegers([0, 1, 0]), to: "labels.npy")
        let lengths = try directory.write(Npy.encodeIntegers([1, 1, 1]), to: "steps.npy")
        let options = DataOptions(normalize: true, targetsPath: labels.path, lengthsPath: lengths.path)
        let dataset = try DataLoader.load(url, options: options)
        // Only the valid steps count: feature 1 is 0, 100, 200 there.
        let normalization = try #require(dataset.schema.featureNormalization)
        expectApproximatelyEqual(normalization.means, [100, 101], absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        let standardized = 100 / (20_000 / 3 as Float).squareRoot()
        expectApproximatelyEqual(
            featureValues(dataset.examples[2]), [standardized, standardized], absoluteTolerance: 1e-5,
            relativeTolerance: 1e-5)

        expectDataError(url.path, ["cannot tell where y is", "no part 'X'"]) { _ = try DataLoader.load(url) }
    }

    @Test("sibling names replace a whole X part only")
    func siblingNames() {
        let name = { (file: String, part: String) in
            NpyDatasetLoader.siblingName(of: URL(fileURLWithPath: "/d/\(file)"), replacingXWith: part)
        }
        #expect(name("X_train.npy", "y") == "y_train.npy")
        #expect(name("train-X.npy", "lengths") == "train-lengths.npy")
        #expect(name("X.npy", "y") == "y.npy")
        #expect(name("Xtra.npy", "y") == nil)
        #expect(name("data.npy", "y") == nil)
    }

    @Test("shapes, dtypes, lengths, class ids and values are checked, naming the array file")
    func errors() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write(Npy.encode(inputs), to: "X.npy")
        let y = directory.url.appendingPathComponent("y.npy")
        let lengths = directory.url.appendingPathComponent("lengths.npy")

        try directory.write(Npy.encodeIntegers([0, 1]), to: "y.npy")
        expectDataError(y.path, ["y has shape [2]; expected 3 rows, one per sequence of X"]) {
            _ = try DataLoader.load(url)
        }

        try directory.write(Npy.encodeIntegers([0, -1, 1]), to: "y.npy")
        expectDataError(y.path, ["element [1] is -1; expected class ids from 0"]) { _ = try DataLoader.load(url) }

        try directory.write(Npy.encodeIntegers([0, 1_000_000_000_000, 1]), to: "y.npy")
        expectDataError(y.path, ["holds class id 1000000000000; expected ids 0...999999"]) {
            _ = try DataLoader.load(url)
        }

        try directory.write(Npy.encode(Tensor(shape: [3], scalars: [0, 1, 0])), to: "y.npy")
        expectDataError(y.path, ["y has dtype '<f4'; expected integer class ids", "for classify"]) {
            _ = try DataLoader.load(url, options: DataOptions(task: .classify))
        }

        try directory.write(Npy.encodeIntegers([0, 1, 0]), to: "y.npy")
        try directory.write(Npy.encodeIntegers([4, 0, 2]), to: "lengths.npy")
        expectDataError(lengths.path, ["element [1] is 0; expected a length in 1...4"]) { _ = try DataLoader.load(url) }
        try directory.write(Npy.encodeIntegers([4, 2]), to: "lengths.npy")
        expectDataError(lengths.path, ["lengths have shape [2]; expected (3)"]) { _ = try DataLoader.load(url) }
        try FileManager.default.removeItem(at: lengths)

        var bad = inputs
        bad.scalars[2 * 8 + 1 * 2 + 1] = .nan
        try directory.write(Npy.encode(bad), to: "X.npy")
        expectDataError(url.path, ["element [2, 1, 1] is nan; expected finite numbers"]) {
            _ = try DataLoader.load(url)
        }

        try directory.write(Npy.encode(Tensor(shape: [3, 4], repeating: 0)), to: "X.npy")
        expectDataError(url.path, ["X has shape [3, 4]; expected (N, T, F)"]) { _ = try DataLoader.load(url) }

        try directory.write(Npy.encode(inputs), to: "X.npy")
        try FileManager.default.removeItem(at: y)
        expectDataError(y.path, ["no such file"]) { _ = try DataLoader.load(url) }
    }

    @Test("test arrays are checked against the training schema")
    func schemaChecks() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let train = try directory.write(Npy.encode(inputs), to: "X_train.npy")
        try directory.write(Npy.encodeIntegers([0, 1, 0]), to: "y_train.npy")
        let schema = try DataLoader.load(train).schema
        let test = try directory.write(Npy.encode(inputs), to: "X_test.npy")
        let testTargets = try directory.write(Npy.encodeIntegers([0, 2, 1]), to: "y_test.npy")
        expectDataError(testTargets.path, ["element [1] is class 2; the model has 2 classes (0...1)"]) {
            _ = try DataLoader.load(test, schema: schema)
        }
        try directory.write(Npy.encode(Tensor(shape: [3, 4, 3], repeating: 0)), to: "X_test.npy")
        try directory.write(Npy.encodeIntegers([0, 1, 1]), to: "y_test.npy")
        expectDataError(test.path, ["has 3 features per step; the model expects 2"]) {
            _ = try DataLoader.load(test, schema: schema)
        }
    }
}
