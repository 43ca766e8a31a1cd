import GRUTestSupport
import Testing

@testable import GRUTraining

@Suite("DelimitedRecords", .tags(.unit))
struct DelimitedRecordsTests {
    func csv(_ text: String) throws -> [DelimitedRecord] {
        try DelimitedRecords.records(
            in: DataFile(name: "t.csv", bytes: Array(text.utf8)), delimiter: UInt8(ascii: ","), quoting: true)
    }

    @Test("RFC 4180: quoted commas, doubled quotes, line breaks inside quotes, CR LF, empty last field")
    func quoting() throws {
        let records = try csv("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"multi\r\nline\",z\r\nlast,\n\"\",q")
        #expect(
            records.map(\.fields) == [
                ["a", "b"], ["x, y", "say \"hi\""], ["multi\r\nline", "z"], ["last", ""], ["", "q"],
            ])
        #expect(records.map(\.line) == [1, 2, 3, 5, 6])
    }

    @Test("blank lines are records of one empty field; a final line break adds no record")
    func blankLines() throws {
        let records = try csv("a\n\n  \nb\n")
        #expect(records.map(\.fields) == [["a"], [""], ["  "], ["b"]])
        #expect(records.map(\.isBlank) == [false, true, true, false])
        #expect(try csv("a,b").map(\.fields) == [["a", "b"]])
        #expect(try csv("").isEmpty)
    }

    @Test("a byte order mark is dropped")
    func byteOrderMark() throws {
        let file = DataFile(name: "t.csv", bytes: [0xEF, 0xBB, 0xBF] + Array("a,b".utf8))
        #expect(
            try DelimitedRecords.records(in: file, delimiter: UInt8(ascii: ","), quoting: true).map(\.fields) == [
                ["a", "b"]
            ])
    }

    @Test("an unclosed quote is an error naming the line where it opened")
    func unclosedQuote() {
        expectDataError("t.csv:2", ["quoted field is never closed", "expected a closing '\"'"]) {
            _ = try csv("ok,1\nlabel,\"open\nmore\n")
        }
    }

    @Test("text after a closing quote is an error")
    func textAfterQuote() {
        expectDataError(
            "t.csv:1", ["unexpected 'c' after a closing quote", "expected the delimiter or the end of the line"]
        ) {
            _ = try csv("\"ab\"c,d")
        }
    }

    @Test("a quote inside an unquoted field is an error, on the right line after a multi-line field")
    func quoteInUnquotedField() {
        expectDataError("t.csv:3", ["quote inside an unquoted field", "inner quotes doubled"]) {
            _ = try csv("\"a\nb\",x\nbad\"q,1\n")
        }
    }

    @Test("TSV splits at tabs and keeps quotes as text")
    func tabSeparated() throws {
        let file = DataFile(name: "t.tsv", bytes: Array("pos\t\"Great\" movie, really\n".utf8))
        let records = try DelimitedRecords.records(in: file, delimiter: UInt8(ascii: "\t"), quoting: false)
        #expect(records.map(\.fields) == [["pos", "\"Great\" movie, really"]])
    }
}
