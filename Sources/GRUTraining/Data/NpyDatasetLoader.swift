import Foundation
import GRUFormats

/// Reads data sets stored as NumPy arrays: X, y and optional lengths (.npy).
///
/// - X: (N, T, F) numbers, N sequences of T steps and F features, batch-first as NumPy users
///   keep them; sequences shorter than T are padded at the end and their `lengths` given.
/// - y: (N) integers, class ids from 0 (classify); (N, T) integers, a class id per step (tag;
///   padding steps are not read); (N) or (N, K) floats, real targets (forecast, horizon 1). With
///   `task` forecast, integer targets are read as numbers.
/// - lengths: (N) integers in 1...T; without it every sequence has T steps.
///
/// The URL names X, or a directory holding `X.npy`, `y.npy` and optionally `lengths.npy`. Beside a
/// file, y and lengths are found by replacing the name part `X` (a whole part between `_`, `-`,
/// `.`) with `y` and `lengths`: `X_train.npy` pairs with `y_train.npy` and `lengths_train.npy`,
/// `train_X.npy` with `train_y.npy`. `DataOptions.targetsPath` and `lengthsPath` override this.
/// There are as many classes as the largest id in y plus one, named "0", "1", ...; features are
/// named `feature1` ... `featureF`; an example's source is `X-file[n]`.
enum NpyDatasetLoader {
    /// The arrays of a .npy data set, checked against each other.
    struct Records: ParsedRecords {
        let name: String
        let targetsName: String
        /// X as (N, T, F) row-major.
        let inputs: [Float]
        let steps: Int
        let featureCount: Int
        let lengths: [Int]
        let targets: Targets
        let normalizes: Bool
        let task: SequenceTask
        var skipped: SkipReport { SkipReport() }
        var recordCount: Int { lengths.count }

        /// y in the form its task reads.
        enum Targets {
            case classes([Int])  // (N)
            case stepClasses([Int])  // (N, T)
            case values([Float], count: Int)  // (N, K)
        }

        /// The steps of sequence `index`, (length, F) row-major.
        func features(_ index: Int) -> ArraySlice<Float> {
            let start = index * steps * featureCount
            return inputs[start..<(start + lengths[index] * featureCount)]
        }

        func fitSchema(records: [Int]) throws -> DatasetSchema {
            var schema = DatasetSchema(
                task: task, featureNames: (1...featureCount).map { "feature\($0)" },
                featureNormalization: normalizes
                    ? FeatureNormalization(fitting: records.flatMap { features($0) }, featureCount: featureCount) : nil)
            switch targets {
            case .classes(let ids):
                schema.labels = try classNames(upTo: ids.max() ?? 0)
            case .stepClasses(let ids):
                // The class count is a property of the id space, so every valid step of the file counts.
                let largest = lengths.indices.flatMap { ids[($0 * steps)..<($0 * steps + lengths[$0])] }.max() ?? 0
                schema.labels = try classNames(upTo: largest)
            case .values(_, let count):
                schema.targetNames = (1...count).map { "target\($0)" }
                schema.horizon = 1
                // Each sequence is one window: its T steps read, one prediction.
                schema.window = steps
            }
            return schema
        }

        /// The most classes a file of class ids may make: the ids name the classes 0...largest,
        /// so one stray large id would otherwise ask for a label and an output per number.
        static let maximumClassCount = 1_000_000

        private func classNames(upTo largest: Int) throws -> LabelSet {
            guard largest < Self.maximumClassCount else {
                throw FormatError(
                    targetsName,
                    "holds class id \(largest); expected ids 0...\(Self.maximumClassCount - 1), one per class in order")
            }
            return LabelSet(names: (0...largest).map(String.init))!
        }

        func examples(records: [Int], schema: DatasetSchema) throws -> [SequenceExample] {
            guard let featureNames = schema.featureNames else {
                throw FormatError(name, "holds numeric features; the model expects tokens")
            }
            guard featureNames.count == featureCount else {
                throw FormatError(
                    name, "has \(featureCount) features per step; the model expects \(featureNames.count)")
            }
            return try records.map { index in
                let values = Array(features(index))
                let target: SequenceTarget
                switch targets {
                case .classes(let ids):
                    target = .classIndex(try checkedClass(ids[index], position: "[\(index)]", schema: schema))
                case .stepClasses(let ids):
                    target = .stepClasses(
                        try (0..<lengths[index]).map { step in
                            try checkedClass(ids[index * steps + step], position: "[\(index), \(step)]", schema: schema)
                        })
                case .values(let values, let count):
                    guard schema.outputSize == count else {
                        throw FormatError(
                            targetsName, "has \(count) targets per sequence; the model predicts \(schema.outputSize)")
                    }
                    target = .values(Array(values[(index * count)..<((index + 1) * count)]))
                }
                return SequenceExample(
                    input: .features(
                        schema.featureNormalization?.normalized(values) ?? values, featureCount: featureCount),
                    target: target, source: "\(name)[\(index)]")
            }
        }

        private func checkedClass(_ id: Int, position: String, schema: DatasetSchema) throws -> Int {
            let classCount = schema.labels?.count ?? 0
            guard id < classCount else {
                throw FormatError(
                    targetsName,
                    "element \(position) is class \(id); the model has \(classCount) classes (0...\(classCount - 1))")
            }
            return id
        }
    }

    /// The arrays for the X file or directory at `url`.
    ///
    /// - Throws: `FormatError` naming the array file for a missing file, a wrong rank or dtype,
    ///   disagreeing sizes, a non-finite feature, a negative class id, or a length outside 1...T.
    static func parse(_ url: URL, options: DataOptions, task requested: SequenceTask?) throws -> Records {
        let files = try locate(url, options: options)
        let x = try Npy.read(contentsOf: files.inputs)
        let name = x.name
        guard x.shape.count == 3, x.shape[1] >= 1, x.shape[2] >= 1 else {
            throw FormatError(name, "X has shape \(x.shape); expected (N, T, F) with T and F at least 1")
        }
        let (count, steps, featureCount) = (x.shape[0], x.shape[1], x.shape[2])
        let inputs = x.floatTensor().scalars
        if let bad = inputs.firstIndex(where: { !$0.isFinite }) {
            let position = [bad / (steps * featureCount), bad / featureCount % steps, bad % featureCount]
            throw FormatError(name, "element \(position) is \(inputs[bad]); expected finite numbers")
        }

        var lengths = [Int](repeating: steps, count: count)
        if let lengthsURL = files.lengths {
            let array = try Npy.read(contentsOf: lengthsURL)
            guard array.shape == [count] else {
                throw FormatError(
                    array.name, "lengths have shape \(array.shape); expected (\(count)), one per sequence of X")
            }
            lengths = try array.integers()
            if let bad = lengths.firstIndex(where: { !(1...steps).contains($0) }) {
                throw FormatError(array.name, "element [\(bad)] is \(lengths[bad]); expected a length in 1...\(steps)")
            }
        }

        let y = try Npy.read(contentsOf: files.targets)
        guard y.shape.first == count else {
            throw FormatError(y.name, "y has shape \(y.shape); expected \(count) rows, one per sequence of X")
        }
        let isInteger = y.elementType == .int32 || y.elementType == .int64
        let task = requested ?? (isInteger ? (y.shape.count == 2 ? .tag : .classify) : .forecast)
        let targets: Records.Targets
        switch task {
        case .seq2seq:
            throw FormatError(y.name, "holds arrays; expected source TAB target lines (.tsv) for seq2seq")
        case .classify, .tag:
            guard isInteger else {
                throw FormatError(
                    y.name,
                    "y has dtype '\(y.elementType.descriptor)'; expected integer class ids ('<i4' or '<i8') for \(task.rawValue)"
                )
            }
            let expected = task == .classify ? [count] : [count, steps]
            guard y.shape == expected else {
                throw FormatError(y.name, "y has shape \(y.shape); expected \(expected) for \(task.rawValue)")
            }
            let ids = try y.integers()
            // Tag ids past a sequence's length are padding (often -1) and are not read.
            let isRead = { (index: Int) in task == .classify || index % steps < lengths[index / steps] }
            if let bad = ids.indices.first(where: { ids[$0] < 0 && isRead($0) }) {
                let position = task == .classify ? "[\(bad)]" : "[\(bad / steps), \(bad % steps)]"
                throw FormatError(y.name, "element \(position) is \(ids[bad]); expected class ids from 0")
            }
            targets = task == .classify ? .classes(ids) : .stepClasses(ids)
        case .forecast:
            guard y.shape.count <= 2 else {
                throw FormatError(y.name, "y has shape \(y.shape); expected (N) or (N, K) real targets")
            }
            let values = y.floatTensor().scalars
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw FormatError(y.name, "element \(bad) is \(values[bad]); expected finite numbers")
            }
            targets = .values(values, count: y.shape.count == 2 ? y.shape[1] : 1)
        case .languageModel:
            throw FormatError(
                name, "cannot read .npy data for the language-model task; expected classify, tag or forecast")
        }
        return Records(
            name: name, targetsName: y.name, inputs: inputs, steps: steps, featureCount: featureCount, lengths: lengths,
            targets: targets, normalizes: options.normalize, task: task)
    }

    /// The X, y and lengths files for `url` (see the type's documentation).
    static func locate(_ url: URL, options: DataOptions) throws -> (inputs: URL, targets: URL, lengths: URL?) {
        let name = displayName(of: url)
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        let given = (
            targets: options.targetsPath.map { URL(fileURLWithPath: $0) },
            lengths: options.lengthsPath.map { URL(fileURLWithPath: $0) }
        )
        if exists && isDirectory.boolValue {
            let lengths = url.appendingPathComponent("lengths.npy")
            return (
                url.appendingPathComponent("X.npy"), given.targets ?? url.appendingPathComponent("y.npy"),
                given.lengths ?? (FileManager.default.fileExists(atPath: lengths.path) ? lengths : nil)
            )
        }
        let directory = url.deletingLastPathComponent()
        let targets =
            try given.targets ?? siblingName(of: url, replacingXWith: "y").map { directory.appendingPathComponent($0) }
            ?? {
                throw FormatError(
                    name,
                    "cannot tell where y is: the file name has no part 'X' to replace with 'y' (as in X_train.npy); give the targets path"
                )
            }()
        var lengths = given.lengths
        if lengths == nil, let sibling = siblingName(of: url, replacingXWith: "lengths") {
            let candidate = directory.appendingPathComponent(sibling)
            if FileManager.default.fileExists(atPath: candidate.path) { lengths = candidate }
        }
        return (url, targets, lengths)
    }

    /// The file name of `url` with its name part `X` (or `x`) replaced, or nil without one.
    static func siblingName(of url: URL, replacingXWith replacement: String) -> String? {
        let fileName = url.lastPathComponent
        let separators: Set<Character> = ["_", "-", "."]
        var parts: [String] = []
        var current = ""
        for character in fileName {
            if separators.contains(character) {
                parts.append(current)
                parts.append(String(character))
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        guard let index = parts.firstIndex(where: { $0 == "X" || $0 == "x" }) else { return nil }
        parts[index] = replacement
        return parts.joined()
    }
}
