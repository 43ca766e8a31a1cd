import GRUFormats

/// Reads CoNLL-style token/tag files for tagging.
///
/// One token per line: columns separated by spaces or tabs, the token first and its tag last
/// (middle columns, such as CoNLL-2003's part-of-speech and chunk tags, are ignored), every line
/// with the same number of columns. A blank line ends a sentence. `-DOCSTART-` lines (document
/// markers) are skipped and counted. Tokens are kept as they are, lowercased only when the
/// options' tokenizer lowercases; the class names are the training tags, sorted.
///
/// Unlabelled files (only when `DataOptions.requiresTargets` is false, for prediction): one
/// column, the token, on every line, as the first token line decides. Their sentences have no
/// target.
enum CoNLLLoader {
    /// The sentences of `file`.
    ///
    /// - Throws: `FormatError` naming `file:line` for a line with one column (unless targets are
    ///   not required) or a different column count than the first token line.
    static func parse(_ file: DataFile, options: DataOptions) throws -> TokenClassRecords {
        let lowercases = options.tokenizer?.lowercases ?? false
        var sentences: [TokenClassRecords.Record] = []
        var current = TokenClassRecords.Record(line: 0, tokens: [], labels: [])
        var columnCount: Int?
        var skipped = SkipReport()

        func endSentence() {
            if !current.tokens.isEmpty { sentences.append(current) }
            current = TokenClassRecords.Record(line: 0, tokens: [], labels: [])
        }

        for line in file.lines() {
            if line.isBlank {
                endSentence()
                continue
            }
            let columns = line.text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if columns[0] == "-DOCSTART-" {
                skipped.record("-DOCSTART- lines")
                endSentence()
                continue
            }
            guard columns.count >= 2 || (!options.requiresTargets && (columnCount ?? 1) == 1) else {
                throw FormatError(
                    file.name, line: line.number,
                    "found 1 column ('\(columns[0])'); expected a token and its tag separated by spaces or tabs")
            }
            if let expected = columnCount, columns.count != expected {
                throw FormatError(
                    file.name, line: line.number,
                    "found \(columns.count) columns; expected \(expected) as on the first token line")
            }
            columnCount = columns.count
            if current.tokens.isEmpty { current.line = line.number }
            let token = String(columns[0])
            current.tokens.append(lowercases ? token.lowercased() : token)
            if columns.count >= 2 { current.labels.append(String(columns[columns.count - 1])) }
        }
        endSentence()
        return TokenClassRecords(
            name: file.name, records: sentences, skipped: skipped, task: .tag, tokenizer: nil, options: options,
            hasLabels: columnCount.map { $0 >= 2 } ?? true)
    }
}
