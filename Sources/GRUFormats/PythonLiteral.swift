// The subset of Python literal syntax that .npy headers are written in: a dict with string
// keys whose values are strings, integers, booleans, None, tuples and lists, as numpy's
// `repr` produces and `ast.literal_eval` reads back.

/// A value of the Python literal subset found in .npy headers.
enum PythonLiteral {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    /// Key-value pairs in the order written; keys are strings in .npy headers.
    case dictionary([(key: String, value: PythonLiteral)])

    /// The value as Python's `repr` would write it, for error messages.
    var pythonText: String {
        switch self {
        case .string(let text): return "'\(text)'"
        case .integer(let value): return String(value)
        case .boolean(let value): return value ? "True" : "False"
        case .none: return "None"
        case .tuple(let items) where items.count == 1: return "(\(items[0].pythonText),)"
        case .tuple(let items): return "(" + items.map(\.pythonText).joined(separator: ", ") + ")"
        case .list(let items): return "[" + items.map(\.pythonText).joined(separator: ", ") + "]"
        case .dictionary(let pairs):
            return "{" + pairs.map { "'\($0.key)': \($0.value.pythonText)" }.joined(separator: ", ") + "}"
        }
    }
}

/// Why a Python literal could not be parsed, in words for an error message.
struct PythonLiteralSyntaxError: Error {
    let reason: String
}

/// A recursive-descent parser for one Python literal held in ASCII or UTF-8 bytes.
struct PythonLiteralParser {
    /// The deepest nesting of dicts, tuples and lists read. numpy writes a dict holding a
    /// tuple; without a limit, a header of 50,000 opening brackets overflowed the stack.
    static let maximumDepth = 32

    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0

    /// A parser over the given bytes.
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The single literal the bytes hold; only whitespace may surround it.
    mutating func parseDocument() throws(PythonLiteralSyntaxError) -> PythonLiteral {
        let value = try parseValue()
        skipWhitespace()
        guard position == bytes.count else { throw failure("unexpected \(found) after the value") }
        return value
    }

    // MARK: - Values

    private mutating func parseValue() throws(PythonLiteralSyntaxError) -> PythonLiteral {
        skipWhitespace()
        guard let byte = peek() else { throw failure("expected a value, found the end") }
        let opensContainer = byte == UInt8(ascii: "{") || byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[")
        if opensContainer {
            guard depth < Self.maximumDepth else { throw failure("values nested more than \(Self.maximumDepth) deep") }
            depth += 1
        }
        defer { if opensContainer { depth -= 1 } }
        switch byte {
        case UInt8(ascii: "{"): return try parseDictionary()
        case UInt8(ascii: "("): return try parseParenthesized()
        case UInt8(ascii: "["):
            position += 1
            return .list(try parseItems(closedBy: UInt8(ascii: "]")).items)
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .integer(try parseInteger())
        default:
            let word = parseWord()
            switch word {
            case "True": return .boolean(true)
            case "False": return .boolean(false)
            case "None": return .none
            default: throw failure(word.isEmpty ? "expected a value, found \(found)" : "unknown name '\(word)'")
            }
        }
    }

    private mutating func parseDictionary() throws(PythonLiteralSyntaxError) -> PythonLiteral {
        position += 1  // {
        var pairs: [(key: String, value: PythonLiteral)] = []
        while true {
            skipWhitespace()
            if consume(UInt8(ascii: "}")) { return .dictionary(pairs) }
            guard peek() == UInt8(ascii: "'") || peek() == UInt8(ascii: "\"") else {
                throw failure("expected a string key or '}', found \(found)")
            }
            let key = try parseString()
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { throw failure("expected ':' after key '\(key)', found \(found)") }
            pairs.append((key, try parseValue()))
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(UInt8(ascii: "}")) else {
                throw failure("expected ',' or '}' after the value of '\(key)', found \(found)")
            }
            return .dictionary(pairs)
        }
    }

    /// A tuple, or as in Python a single parenthesized value when it has no trailing comma.
    private mutating func parseParenthesized() throws(PythonLiteralSyntaxError) -> PythonLiteral {
        position += 1  // (
        let (items, trailingComma) = try parseItems(closedBy: UInt8(ascii: ")"))
        return items.count == 1 && !trailingComma ? items[0] : .tuple(items)
    }

    /// Comma-separated values up to and including `closer`, and whether a comma ended the list.
    private mutating func parseItems(closedBy closer: UInt8) throws(PythonLiteralSyntaxError) -> (
        items: [PythonLiteral], trailingComma: Bool
    ) {
        var items: [PythonLiteral] = []
        var trailingComma = false
        while true {
            skipWhitespace()
            if consume(closer) { return (items, trailingComma) }
            items.append(try parseValue())
            skipWhitespace()
            trailingComma = consume(UInt8(ascii: ","))
            if !trailingComma {
                guard consume(closer) else {
                    throw failure("expected ',' or '\(Character(Unicode.Scalar(closer)))', found \(found)")
                }
                return (items, false)
            }
        }
    }

    // MARK: - Tokens

    private mutating func parseString() throws(PythonLiteralSyntaxError) -> String {
        let quote = bytes[position]
        position += 1
        var content: [UInt8] = []
        while let byte = peek() {
            position += 1
            if byte == quote { return String(decoding: content, as: UTF8.self) }
            if byte == UInt8(ascii: "\\"), let escaped = peek() {
                position += 1
                switch escaped {
                case UInt8(ascii: "n"): content.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): content.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): content.append(escaped)
                default: content += [byte, escaped]
                }
            } else {
                content.append(byte)
            }
        }
        throw failure("unterminated string")
    }

    private mutating func parseInteger() throws(PythonLiteralSyntaxError) -> Int {
        let start = position
        if peek() == UInt8(ascii: "-") || peek() == UInt8(ascii: "+") { position += 1 }
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        // Python 2 wrote long integers with an L suffix, as in (3L,); numpy still reads them.
        if peek() == UInt8(ascii: "L") { position += 1 }
        guard let value = Int(text) else { throw failure("invalid integer '\(text)'") }
        return value
    }

    private mutating func parseWord() -> String {
        let start = position
        while let byte = peek(), byte == UInt8(ascii: "_") || (byte < 0x80 && Character(Unicode.Scalar(byte)).isLetter)
        {
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    // MARK: - Helpers

    private func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        position += 1
        return true
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    /// What stands at the current position, for error messages.
    private var found: String {
        guard let byte = peek() else { return "the end" }
        guard byte >= 0x20 && byte < 0x7F else { return "byte 0x\(String(byte, radix: 16))" }
        return byte == UInt8(ascii: "'") ? "\"'\"" : "'\(Character(Unicode.Scalar(byte)))'"
    }

    private func failure(_ reason: String) -> PythonLiteralSyntaxError {
        PythonLiteralSyntaxError(reason: reason)
    }
}
