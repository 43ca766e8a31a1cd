import Foundation
import GRUFormats
import GRUTensor

/// Reads label-and-text files (.csv with RFC 4180 quoting, .tsv without) for text classification.
///
/// Columns: with a header, the columns named `labelColumn` and `textColumn` (case-insensitive;
/// other columns are ignored); without one, exactly two fields, label first. The header is
/// detected when the first row holds both names (`HeaderPolicy.automatic`). Labels are trimmed
/// strings; the class names are the training labels, sorted (see `LabelSet`). Text goes through
/// the tokenizer (`Tokenizer.words` by default). Blank lines and rows whose text has no tokens
/// are skipped and counted; a row with the wrong number of fields or an empty label is an error.
///
/// Unlabelled files (only when `DataOptions.requiresTargets` is false, for prediction): a header
/// with the text column and no label column (automatic detection then needs only the text
/// column), or, without a header, rows of exactly one field, the text, as the first data row
/// decides. Their examples have no target. Files with labels are read as above.
enum LabelTextLoader {
    /// The rows of `file`, fields split at `delimiter` (quoted fields when it is a comma).
    static func parse(_ file: DataFile, delimiter: UInt8, options: DataOptions) throws -> TokenClassRecords {
        let isCSV = delimiter == UInt8(ascii: ",")
        let records = try DelimitedRecords.records(in: file, delimiter: delimiter, quoting: isCSV)
        let tokenizer = options.tokenizer ?? .words
        var skipped = SkipReport()

        // labelIndex is nil in unlabelled files.
        var labelIndex: Int? = 0
        var textIndex = 1
        var fieldCount = 2
        var dataRecords = records[...]
        var layout = "2 fields (label, text)"
        if let first = records.first, try hasHeader(first, options: options, file: file.name) {
            let names = first.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            labelIndex = names.firstIndex(of: options.labelColumn.lowercased())
            textIndex = names.firstIndex(of: options.textColumn.lowercased())!
            fieldCount = names.count
            dataRecords = records.dropFirst()
            layout = "\(fieldCount) fields as in the header"
        } else if !options.requiresTargets, dataRecords.first(where: { !$0.isBlank })?.fields.count == 1 {
            labelIndex = nil
            textIndex = 0
            fieldCount = 1
            layout = "1 field (text), as in the first row"
        }

        var rows: [TokenClassRecords.Record] = []
        for record in dataRecords {
            if record.isBlank {
                skipped.record("blank lines")
                continue
            }
            guard record.fields.count == fieldCount else {
                let hint = isCSV ? "; quote fields that contain commas" : "; text must not contain tabs"
                throw FormatError(
                    file.name, line: record.line, "expected \(layout), found \(record.fields.count)\(hint)")
            }
            let label = labelIndex.map { record.fields[$0].trimmingCharacters(in: .whitespaces) }
            if label?.isEmpty == true {
                throw FormatError(
                    file.name, line: record.line, "empty label; expected a class label in the label column")
            }
            let tokens = tokenizer.tokens(in: record.fields[textIndex])
            if tokens.isEmpty {
                skipped.record("rows without tokens")
                continue
            }
            rows.append(TokenClassRecords.Record(line: record.line, tokens: tokens, labels: label.map { [$0] } ?? []))
        }
        return TokenClassRecords(
            name: file.name, records: rows, skipped: skipped, task: .classify, tokenizer: tokenizer, options: options,
            hasLabels: labelIndex != nil)
    }

    /// Whether `first` is a header under the options' policy; without required targets, the
    /// text column alone makes a header.
    ///
    /// - Throws: `FormatError` when a header is required but lacks the label or text column.
    private static func hasHeader(_ first: DelimitedRecord, options: DataOptions, file: String) throws -> Bool {
        let names = first.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let hasColumns =
            names.contains(options.textColumn.lowercased())
            && (names.contains(options.labelColumn.lowercased()) || !options.requiresTargets)
        switch options.header {
        case .absent: return false
        case .automatic: return hasColumns
        case .present:
            guard hasColumns else {
                let expected =
                    options.requiresTargets
                    ? "columns '\(options.labelColumn)' and '\(options.textColumn)'" : "column '\(options.textColumn)'"
                throw FormatError(
                    file, line: first.line, "header has columns \(listForMessage(first.fields)); expected \(expected)")
            }
            return true
        }
    }
}
