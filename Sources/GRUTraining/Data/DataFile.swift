import Foundation
import GRUFormats

extension FormatError {
    /// An error about line `line` of `file`, with the subject written `file:line`.
    init(_ file: String, line: Int, _ problem: String) {
        self.init("\(file):\(line)", problem)
    }
}

/// A text file read whole as UTF-8 bytes, with the name errors use for it.
///
/// Parsers work on bytes: every delimiter they look for (comma, tab, quote, colon, newline) is
/// ASCII, and no byte of a multi-byte UTF-8 character is ASCII, so splitting bytes never cuts a
/// character. The contents are checked to be UTF-8 once, here.
struct DataFile {
    /// The file's name for messages, as the user wrote it.
    let name: String
    /// The contents without a leading UTF-8 byte order mark.
    let bytes: [UInt8]

    /// The file at `url`.
    ///
    /// - Throws: `FormatError` naming the file when it is missing, a directory, unreadable or
    ///   not UTF-8 text (naming the first line that is not). A pipe is read to its end.
    init(contentsOf url: URL) throws {
        self.init(name: displayName(of: url), bytes: [UInt8](try readContents(of: url)))
        try checkUTF8()
    }

    /// A file with the given name and contents, for parsing text that is already in memory.
    init(name: String, bytes: [UInt8]) {
        self.name = name
        let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
        self.bytes = bytes.starts(with: byteOrderMark) ? Array(bytes.dropFirst(3)) : bytes
    }

    /// Throws naming the first line that is not valid UTF-8.
    private func checkUTF8() throws {
        guard String(validating: bytes, as: UTF8.self) == nil else { return }
        for line in lines() where String(validating: line.bytes, as: UTF8.self) == nil {
            throw FormatError(name, line: line.number, "not valid UTF-8 text; expected a UTF-8 encoded file")
        }
    }

    /// One line: its 1-based number and its bytes without the line break (LF or CR LF).
    struct Line {
        let number: Int
        let bytes: ArraySlice<UInt8>

        /// The line as text.
        var text: String { String(decoding: bytes, as: UTF8.self) }

        /// Whether the line holds only spaces and tabs, or nothing.
        var isBlank: Bool { bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 } }
    }

    /// Every line in order; a final line break does not start another line.
    func lines() -> [Line] {
        var result: [Line] = []
        var start = 0
        var number = 1
        for index in bytes.indices where bytes[index] == 0x0A {
            let end = index > start && bytes[index - 1] == 0x0D ? index - 1 : index
            result.append(Line(number: number, bytes: bytes[start..<end]))
            start = index + 1
            number += 1
        }
        if start < bytes.count {
            let end = bytes[bytes.count - 1] == 0x0D ? bytes.count - 1 : bytes.count
            result.append(Line(number: number, bytes: bytes[start..<end]))
        }
        return result
    }
}
