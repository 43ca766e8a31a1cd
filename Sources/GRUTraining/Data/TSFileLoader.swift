import GRUFormats
import GRUTensor

/// Reads UEA/UCR time-series classification files (.ts).
///
/// The header (see `TSHeader`) must declare `@classLabel true` and its labels, which become the
/// class names in the order listed. Each case after `@data` is one line: its dimensions separated
/// by `:`, each a comma-separated list of values, and the class label last, as in
/// `1.0,2.0,3.0:4.0,5.0,6.0:walking`. Cases may differ in length (variable-length data) but the
/// dimensions of one case must have the same length, since a GRU step reads all of them.
/// Features are time-major, (T, D), named `dimension1` ... `dimensionD`.
///
/// Missing values (`?`, or `NaN`) are an error naming the line, dimension and step: a GRU cannot
/// read a gap, and filling it silently would change the data; fill or drop such cases first.
/// Blank lines and `#` comment lines among the cases are skipped and counted.
///
/// Unlabelled files (only when `DataOptions.requiresTargets` is false, for prediction) declare
/// `@classLabel false`, and their cases are dimensions only, with no label field; their examples
/// have no target. The header decides, not the field count: a numeric label such as `1` could not
/// be told from a one-step dimension.
enum TSFileLoader {
    /// One case: its line, values (T, D) time-major, and label (nil when unlabelled).
    struct Case {
        var line: Int
        var values: [Float]
        var label: String?
    }

    /// The cases of a .ts file, parsed.
    struct Records: ParsedRecords {
        let name: String
        let cases: [Case]
        let dimensions: Int
        /// The declared class labels; nil for unlabelled cases.
        let classLabels: [String]?
        let skipped: SkipReport
        let normalizes: Bool
        var task: SequenceTask { .classify }
        var recordCount: Int { cases.count }

        func fitSchema(records: [Int]) throws -> DatasetSchema {
            guard let classLabels else {
                throw FormatError(name, "declares @classLabel false; expected labelled training data")
            }
            return DatasetSchema(
                task: .classify, featureNames: (1...dimensions).map { "dimension\($0)" },
                featureNormalization: normalizes
                    ? FeatureNormalization(fitting: records.flatMap { cases[$0].values }, featureCount: dimensions)
                    : nil,
                labels: LabelSet(names: classLabels)!)
        }

        func examples(records: [Int], schema: DatasetSchema) throws -> [SequenceExample] {
            guard let featureNames = schema.featureNames, let labels = schema.labels else {
                throw FormatError(name, "holds numeric series with class labels; the model expects other data")
            }
            guard featureNames.count == dimensions else {
                throw FormatError(name, "has \(dimensions) dimensions; the model expects \(featureNames.count)")
            }
            return try records.map { index in
                let item = cases[index]
                let values = schema.featureNormalization?.normalized(item.values) ?? item.values
                return SequenceExample(
                    input: .features(values, featureCount: dimensions),
                    target: try item.label.map {
                        .classIndex(try classIndex(of: $0, in: labels, file: name, line: item.line))
                    } ?? .none,
                    source: "\(name):\(item.line)")
            }
        }
    }

    /// The cases of `file`.
    ///
    /// - Throws: `FormatError` naming `file:line` for header problems, a case without a label, a
    ///   wrong number of dimensions, dimensions of different lengths, a length other than
    ///   `@seriesLength` in equal-length data, a missing or non-numeric value, or a label the header
    ///   does not list.
    static func parse(_ file: DataFile, options: DataOptions) throws -> Records {
        let lines = file.lines()
        let header = try TSHeader(lines: lines, file: file.name, requiresTargets: options.requiresTargets)
        let classLabels = header.classLabels
        var dimensions = header.declaredDimensions
        var skipped = SkipReport()
        var cases: [Case] = []

        for line in lines[header.dataStart...] {
            let text = line.text.trimmingSpaces
            if text.isEmpty {
                skipped.record("blank lines")
                continue
            }
            if text.hasPrefix("#") {
                skipped.record("comment lines")
                continue
            }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 2 || classLabels == nil else {
                throw FormatError(
                    file.name, line: line.number,
                    "found no ':'; expected dimensions separated by ':' and the class label last")
            }
            let series = classLabels == nil ? parts[...] : parts.dropLast()
            if let expected = dimensions, series.count != expected {
                throw FormatError(
                    file.name, line: line.number,
                    "found \(series.count) dimensions; expected \(expected)"
                        + (header.declaredDimensions == nil ? " as in the first case" : " as the header declares"))
            }
            dimensions = series.count
            let columns = try series.enumerated().map { dimension, text in
                try dimensionValues(of: text, dimension: dimension + 1, file: file.name, line: line.number)
            }
            let length = columns[0].count
            if let other = columns.firstIndex(where: { $0.count != length }) {
                throw FormatError(
                    file.name, line: line.number,
                    "dimension \(other + 1) has \(columns[other].count) values; expected \(length) like dimension 1 (every dimension of a case needs the same length)"
                )
            }
            if header.isEqualLength == true, let seriesLength = header.seriesLength, length != seriesLength {
                throw FormatError(
                    file.name, line: line.number,
                    "found \(length) values per dimension; expected @seriesLength \(seriesLength)")
            }
            let label = classLabels.map { _ in parts[parts.count - 1].trimmingSpaces }
            if let classLabels, let label, !classLabels.contains(label) {
                throw FormatError(
                    file.name, line: line.number,
                    "class label '\(label)' is not declared by @classLabel (\(listForMessage(classLabels)))")
            }
            // (T, D) time-major: step t holds every dimension's value at t.
            var values = [Float](repeating: 0, count: length * columns.count)
            for (dimension, column) in columns.enumerated() {
                for (step, value) in column.enumerated() { values[step * columns.count + dimension] = value }
            }
            cases.append(Case(line: line.number, values: values, label: label))
        }
        return Records(
            name: file.name, cases: cases, dimensions: dimensions ?? 1, classLabels: classLabels, skipped: skipped,
            normalizes: options.normalize)
    }

    /// The values of one dimension of a case, a comma-separated list.
    private static func dimensionValues(of text: Substring, dimension: Int, file: String, line: Int) throws -> [Float] {
        let fields = text.split(separator: ",", omittingEmptySubsequences: false)
        return try fields.enumerated().map { step, field in
            if let value = finiteFloat(field) { return value }
            let found = field.trimmingSpaces
            let position = "dimension \(dimension), step \(step + 1)"
            if found == "?" || found.lowercased() == "nan" {
                throw FormatError(
                    file, line: line,
                    "missing value '\(found)' at \(position); missing values are not supported, expected a number (fill or drop the case)"
                )
            }
            throw FormatError(
                file, line: line,
                "\(position) holds \(found.isEmpty ? "an empty value" : "'\(found)'"); expected a finite number")
        }
    }
}
