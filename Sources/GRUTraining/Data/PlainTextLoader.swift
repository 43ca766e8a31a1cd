import GRUFormats

/// Reads plain UTF-8 text (.txt) for next-token language models.
///
/// The whole file is one stream of tokens: by default characters (`Tokenizer.characters`, one
/// per Unicode scalar, line breaks included as "\n", CR LF read as "\n" as Python's text mode
/// does); with a words tokenizer, the words of every line, line breaks dropped. The stream is cut
/// into sequences of `sequenceLength` inputs, each with the next token at every step as target,
/// so a sequence spans `sequenceLength + 1` tokens and the next one starts at its last token:
/// every consecutive pair of the text is an (input, target) once, and the last sequence may be
/// shorter. N tokens give ceil((N - 1) / sequenceLength) sequences. The vocabulary is fitted on
/// the training sequences only; a split keeps the last sequences, in text order, for validation.
enum PlainTextLoader {
    /// The token stream of a text file, cut into sequences.
    struct Records: ParsedRecords {
        let name: String
        let tokens: [String]
        /// The line of each token.
        let lines: [Int]
        let sequenceLength: Int
        let tokenizer: Tokenizer
        let options: DataOptions
        var skipped: SkipReport { SkipReport() }
        var task: SequenceTask { .languageModel }

        /// One sequence every `sequenceLength` tokens, while a token is left to predict.
        var recordCount: Int { (tokens.count - 1 + sequenceLength - 1) / sequenceLength }

        /// The tokens of sequence `index`: its inputs and, one further, its last target.
        func span(_ index: Int) -> Range<Int> {
            let start = index * sequenceLength
            return start..<min(start + sequenceLength + 1, tokens.count)
        }

        func partition(validationFraction: Double, seed: UInt64) throws -> DatasetPartition {
            try .trailing(count: recordCount, validationFraction: validationFraction, name: name)
        }

        func fitSchema(records: [Int]) throws -> DatasetSchema {
            // Neighbouring sequences share a token; each position of the text counts once.
            var pieces: [[String]] = []
            var covered = 0
            for index in records.sorted() {
                let span = span(index)
                pieces.append(Array(tokens[max(span.lowerBound, covered)..<span.upperBound]))
                covered = span.upperBound
            }
            let vocabulary = try fitVocabulary(pieces, options: options, name: name)
            return DatasetSchema(task: .languageModel, vocabulary: vocabulary, tokenizer: tokenizer)
        }

        func examples(records: [Int], schema: DatasetSchema) throws -> [SequenceExample] {
            guard let vocabulary = schema.vocabulary else {
                throw FormatError(
                    name, "holds text; the model expects \(schema.featureNames?.count ?? 0) numeric features per step")
            }
            return records.map { index in
                let ids = vocabulary.ids(for: Array(tokens[span(index)]))
                return SequenceExample(
                    input: .tokens(Array(ids.dropLast())), target: .stepClasses(Array(ids.dropFirst())),
                    source: "\(name):\(lines[span(index).lowerBound])")
            }
        }
    }

    /// The token stream of `file`.
    ///
    /// - Throws: `FormatError` naming the file for a sequence length below 1 or fewer than two tokens.
    static func parse(_ file: DataFile, options: DataOptions) throws -> Records {
        guard (1...DataOptions.largestCount).contains(options.sequenceLength) else {
            throw FormatError(
                file.name,
                "sequence length \(options.sequenceLength) is not valid; expected 1...\(DataOptions.largestCount)")
        }
        let tokenizer = options.tokenizer ?? .characters
        let endsWithLineBreak = file.bytes.last == UInt8(ascii: "\n")
        let fileLines = file.lines()
        var tokens: [String] = []
        var lines: [Int] = []
        for (position, line) in fileLines.enumerated() {
            var lineTokens = tokenizer.tokens(in: line.text)
            if tokenizer.unit == .characters && (position < fileLines.count - 1 || endsWithLineBreak) {
                lineTokens.append("\n")
            }
            tokens += lineTokens
            lines += repeatElement(line.number, count: lineTokens.count)
        }
        guard tokens.count >= 2 else {
            throw FormatError(
                file.name, "has \(tokens.count) tokens; expected at least 2, an input and the next token to predict")
        }
        return Records(
            name: file.name, tokens: tokens, lines: lines, sequenceLength: options.sequenceLength, tokenizer: tokenizer,
            options: options)
    }
}
