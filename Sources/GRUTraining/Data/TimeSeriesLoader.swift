import Foundation
import GRUFormats
import GRUTensor

/// Reads numeric time series from .csv or .tsv files into forecast windows.
///
/// Rows are time steps in order, columns are series. Each example is a window of `window`
/// consecutive rows of the input columns, and its target the next `horizon` rows of the target
/// columns, (horizon, outputs) row-major; windows start at every row, so N rows give
/// N - window - horizon + 1 of them. Inputs and targets are standardized with statistics fitted
/// on the training rows only (`FeatureNormalization`); forecasts map back with
/// `schema.targetNormalization`. An example's source is the line of its first predicted row.
///
/// Unlabelled mode (`DataOptions.requiresTargets` false, for prediction): every window's target is
/// `SequenceTarget.none` and windows end at every row from the `window`-th on, so N rows give
/// N - window + 1 of them; the last ends at the file's last row and its forecast lies past the end.
/// An example's source is then the line of its window's last row, and the file needs only
/// `window` rows and the input columns.
///
/// Header: automatic detection treats the first row as names when any field of it is not a
/// number; without a header, columns are named `column1`, `column2`, .... Without
/// `inputColumns`, the inputs are every column whose first value is a number; the others (dates,
/// identifiers) are left out and counted in `skipped`. Blank lines are skipped and counted; an
/// empty or non-numeric value in a used column is an error naming its line and column.
enum TimeSeriesLoader {
    /// The rows of a time-series file, parsed into fields; numbers are read when encoding.
    struct Records: ParsedRecords {
        let name: String
        let columnNames: [String]
        /// The fields of each data row.
        let rows: [[String]]
        /// The line of each data row.
        let lines: [Int]
        let skipped: SkipReport
        /// The columns the model reads and predicts when fitting a new schema.
        let inputColumns: [String]
        let targetColumns: [String]
        let window: Int
        let horizon: Int
        /// False gives unlabelled windows, one ending at each row (see the type's description).
        let requiresTargets: Bool
        var task: SequenceTask { .forecast }

        /// One window per start row: with targets, those whose `horizon` targets lie in the file.
        var recordCount: Int { max(rows.count - window - (requiresTargets ? horizon : 0) + 1, 0) }

        /// Splits by time: windows whose targets lie in the last fraction of the rows are
        /// validation; the `horizon - 1` windows whose targets straddle the boundary are in neither.
        func partition(validationFraction: Double, seed: UInt64) throws -> DatasetPartition {
            let validationRows = try DatasetPartition.validationSize(
                count: rows.count, fraction: validationFraction, name: name, unit: "rows")
            let trainingRows = rows.count - validationRows
            guard trainingRows >= window + horizon else {
                throw FormatError(
                    name,
                    "the training part has \(trainingRows) rows; expected at least window + horizon = \(window + horizon) (lower the validation fraction or the window)"
                )
            }
            guard validationRows >= horizon else {
                throw FormatError(
                    name, "the validation part has \(validationRows) rows; expected at least the horizon, \(horizon)")
            }
            var partition = DatasetPartition(
                training: Array(0...(trainingRows - window - horizon)),
                validation: Array((trainingRows - window)...(rows.count - window - horizon)))
            partition.skipped.record("windows with targets on both sides of the validation split", count: horizon - 1)
            return partition
        }

        func fitSchema(records: [Int]) throws -> DatasetSchema {
            let used = inputColumns + targetColumns.filter { !inputColumns.contains($0) }
            let values = try matrix(columns: used)
            // Only the rows the training windows cover, inputs and targets, feed the statistics.
            let covered = records.min()!..<min(records.max()! + window + horizon, rows.count)
            let rowsCovered = Array(values[(covered.lowerBound * used.count)..<(covered.upperBound * used.count)])
            let normalization = FeatureNormalization(fitting: rowsCovered, featureCount: used.count)
            return DatasetSchema(
                task: .forecast, featureNames: inputColumns,
                featureNormalization: normalization.selecting(Array(inputColumns.indices)),
                targetNames: targetColumns,
                targetNormalization: normalization.selecting(targetColumns.map { used.firstIndex(of: $0)! }),
                window: window, horizon: horizon)
        }

        func examples(records: [Int], schema: DatasetSchema) throws -> [SequenceExample] {
            guard let featureNames = schema.featureNames, let targetNames = schema.targetNames else {
                throw FormatError(name, "holds numeric time series; the model expects other data")
            }
            var inputs = try matrix(columns: featureNames)  // (N, F)
            if let normalization = schema.featureNormalization { inputs = normalization.normalized(inputs) }
            let featureCount = featureNames.count
            guard requiresTargets else {
                return records.map { start in
                    let inputRows = (start * featureCount)..<((start + window) * featureCount)
                    return SequenceExample(
                        input: .features(Array(inputs[inputRows]), featureCount: featureCount),
                        target: .none, source: "\(name):\(lines[start + window - 1])")
                }
            }
            var targets = try matrix(columns: targetNames)  // (N, K)
            if let normalization = schema.targetNormalization { targets = normalization.normalized(targets) }
            let outputCount = targetNames.count
            return records.map { start in
                let inputRows = (start * featureCount)..<((start + window) * featureCount)
                let targetRows = ((start + window) * outputCount)..<((start + window + horizon) * outputCount)
                return SequenceExample(
                    input: .features(Array(inputs[inputRows]), featureCount: featureCount),
                    target: .values(Array(targets[targetRows])),
                    source: "\(name):\(lines[start + window])")
            }
        }

        /// The values of `columns` in every row: (N, columns.count) row-major.
        ///
        /// - Throws: `FormatError` naming the file when a column is missing, or naming the line
        ///   and column of an empty or non-numeric value.
        func matrix(columns: [String]) throws -> [Float] {
            let indices = try columns.map { column in
                guard let index = columnNames.firstIndex(of: column) else {
                    throw FormatError(name, "has no column '\(column)'; its columns are \(listForMessage(columnNames))")
                }
                return index
            }
            var values: [Float] = []
            values.reserveCapacity(rows.count * indices.count)
            for (row, line) in zip(rows, lines) {
                for (index, column) in zip(indices, columns) {
                    guard let value = finiteFloat(row[index]) else {
                        let field = row[index].trimmingCharacters(in: .whitespaces)
                        let found = field.isEmpty ? "an empty value" : "'\(field)'"
                        throw FormatError(
                            name, line: line,
                            "column '\(column)' holds \(found); expected a finite number (missing values are not supported)"
                        )
                    }
                    values.append(value)
                }
            }
            return values
        }
    }

    /// The rows of `file`, fields split at `delimiter` (quoted fields when it is a comma).
    ///
    /// - Throws: `FormatError` naming the file for a window or horizon below 1, too few rows
    ///   (window + horizon; only the window when `options.requiresTargets` is false), unknown or
    ///   repeated column names, or no numeric column; naming `file:line` for a row
    ///   with the wrong number of fields.
    static func parse(_ file: DataFile, delimiter: UInt8, options: DataOptions, window: Int, horizon: Int) throws
        -> Records
    {
        guard (1...DataOptions.largestCount).contains(window), (1...DataOptions.largestCount).contains(horizon) else {
            throw FormatError(
                file.name,
                "window \(window) and horizon \(horizon) are not valid; expected both in 1...\(DataOptions.largestCount)"
            )
        }
        let records = try DelimitedRecords.records(
            in: file, delimiter: delimiter, quoting: delimiter == UInt8(ascii: ","))
        var skipped = SkipReport()
        let nonBlank = records.filter { !$0.isBlank }
        skipped.record("blank lines", count: records.count - nonBlank.count)
        guard let first = nonBlank.first else {
            throw FormatError(file.name, "no rows; expected a numeric time series")
        }

        let hasHeader: Bool
        switch options.header {
        case .present: hasHeader = true
        case .absent: hasHeader = false
        case .automatic: hasHeader = first.fields.contains { finiteFloat($0) == nil }
        }
        let columnNames =
            hasHeader
            ? first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            : first.fields.indices.map { "column\($0 + 1)" }
        if let repeated = columnNames.first(where: { name in columnNames.filter { $0 == name }.count > 1 }) {
            throw FormatError(file.name, line: first.line, "column name '\(repeated)' repeats; expected distinct names")
        }
        let dataRows = hasHeader ? Array(nonBlank.dropFirst()) : nonBlank
        for row in dataRows where row.fields.count != columnNames.count {
            throw FormatError(
                file.name, line: row.line,
                "found \(row.fields.count) fields; expected \(columnNames.count), one per column")
        }
        guard options.requiresTargets || dataRows.count >= window else {
            throw FormatError(
                file.name, "has \(dataRows.count) rows; expected at least the window, \(window), to make one forecast")
        }
        guard !options.requiresTargets || dataRows.count >= window + horizon else {
            throw FormatError(
                file.name,
                "has \(dataRows.count) rows; expected at least window + horizon = \(window + horizon) to make one example"
            )
        }

        let inputColumns: [String]
        if let chosen = options.inputColumns {
            inputColumns = chosen
        } else {
            inputColumns = columnNames.indices.filter { finiteFloat(dataRows[0].fields[$0]) != nil }.map {
                columnNames[$0]
            }
            let left = columnNames.filter { !inputColumns.contains($0) }
            skipped.record("non-numeric columns (\(listForMessage(left)))", count: left.count)
        }
        guard !inputColumns.isEmpty else {
            throw FormatError(file.name, "has no numeric column; expected at least one column of numbers")
        }
        let targetColumns = options.targetColumns ?? inputColumns
        guard !targetColumns.isEmpty else {
            throw FormatError(file.name, "no target columns were given; expected at least one column to predict")
        }
        // Unlabelled files need not hold target columns that are not inputs.
        for column in inputColumns + (options.requiresTargets ? targetColumns : []) where !columnNames.contains(column)
        {
            throw FormatError(file.name, "has no column '\(column)'; its columns are \(listForMessage(columnNames))")
        }
        return Records(
            name: file.name, columnNames: columnNames, rows: dataRows.map(\.fields), lines: dataRows.map(\.line),
            skipped: skipped, inputColumns: inputColumns, targetColumns: targetColumns, window: window,
            horizon: horizon,
            requiresTargets: options.requiresTargets)
    }
}
