import GRUFormats

/// One record of a CSV or TSV file: its fields and the line it starts on.
struct DelimitedRecord {
    /// The fields, unquoted.
    var fields: [String]
    /// The 1-based line the record starts on (a quoted field may run over several lines).
    var line: Int

    /// Whether the record is a blank line: one field of nothing but spaces and tabs.
    var isBlank: Bool {
        fields.count == 1 && fields[0].allSatisfy { $0 == " " || $0 == "\t" }
    }
}

/// Splits a CSV or TSV file into records.
///
/// CSV follows RFC 4180: records end at LF or CR LF; a field that starts with `"` is quoted and
/// may hold delimiters, line breaks and doubled quotes (`""` for one `"`), and must be followed by
/// a delimiter or the end of the record. A quote anywhere else is an error, not guessed at.
/// TSV (`quoting: false`) follows the IANA text/tab-separated-values type: fields are split at
/// every tab and quotes are ordinary characters.
enum DelimitedRecords {
    private static let quote = UInt8(ascii: "\"")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// The records of `file`, split at `delimiter`.
    ///
    /// - Throws: `FormatError` naming `file:line` for a quoted field that is never closed, text
    ///   after a closing quote, or a quote inside an unquoted field.
    static func records(in file: DataFile, delimiter: UInt8, quoting: Bool) throws -> [DelimitedRecord] {
        let bytes = file.bytes
        var records: [DelimitedRecord] = []
        var fields: [String] = []
        var index = 0
        var line = 1
        var recordLine = 1

        // Each pass reads one field and the delimiter or line break after it.
        while index < bytes.count {
            var field: [UInt8] = []
            if quoting && bytes[index] == quote {
                let openingLine = line
                index += 1
                var closed = false
                while index < bytes.count {
                    let byte = bytes[index]
                    if byte == quote {
                        if index + 1 < bytes.count && bytes[index + 1] == quote {
                            field.append(quote)
                            index += 2
                            continue
                        }
                        index += 1
                        closed = true
                        break
                    }
                    if byte == lineFeed { line += 1 }
                    field.append(byte)
                    index += 1
                }
                guard closed else {
                    throw FormatError(
                        file.name, line: openingLine,
                        "quoted field is never closed; expected a closing '\"' before the end of the file")
                }
                guard index == bytes.count || bytes[index] == delimiter || isLineBreak(bytes, at: index) else {
                    throw FormatError(
                        file.name, line: line,
                        "unexpected \(describe(bytes[index])) after a closing quote; expected the delimiter or the end of the line (write a quote inside a quoted field as \"\")"
                    )
                }
            } else {
                while index < bytes.count && bytes[index] != delimiter && !isLineBreak(bytes, at: index) {
                    if quoting && bytes[index] == quote {
                        throw FormatError(
                            file.name, line: line,
                            "quote inside an unquoted field; expected the whole field in quotes with inner quotes doubled (\"say \"\"hi\"\"\")"
                        )
                    }
                    field.append(bytes[index])
                    index += 1
                }
            }
            fields.append(String(decoding: field, as: UTF8.self))

            if index == bytes.count {
                break
            } else if bytes[index] == delimiter {
                index += 1
                // A delimiter at the very end of the file still ends an empty last field.
                if index == bytes.count { fields.append("") }
            } else {
                index += bytes[index] == carriageReturn ? 2 : 1
                line += 1
                records.append(DelimitedRecord(fields: fields, line: recordLine))
                fields = []
                recordLine = line
            }
        }
        if !fields.isEmpty { records.append(DelimitedRecord(fields: fields, line: recordLine)) }
        return records
    }

    /// Whether a line break (LF, or CR LF) starts at `index`.
    private static func isLineBreak(_ bytes: [UInt8], at index: Int) -> Bool {
        bytes[index] == lineFeed
            || (bytes[index] == carriageReturn && index + 1 < bytes.count && bytes[index + 1] == lineFeed)
    }

    /// A byte for a message: the character in quotes, or its code when it is a control character.
    private static func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }
}
