import Foundation
import Testing

@testable import GRUFormats

@Suite("writeAtomically")
struct AtomicWriteTests {
    @Test("creates a new file and replaces an existing one, leaving no temporary files")
    func createsAndReplaces() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let url = directory.appendingPathComponent("out.bin")

        try writeAtomically(Data([1, 2, 3]), to: url)
        #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
        try writeAtomically(Data([9]), to: url)
        #expect(try Data(contentsOf: url) == Data([9]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.bin"])
    }

    @Test("writes an empty file")
    func empty() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let url = directory.appendingPathComponent("empty")
        try writeAtomically(Data(), to: url)
        #expect(try Data(contentsOf: url).isEmpty)
    }

    @Test("a missing directory is an error naming the path")
    func missingDirectory() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let url = directory.appendingPathComponent("missing/out.bin")
        expectFormatError(subject: url.path, containing: ["cannot write the file", "No such file or directory"]) {
            try writeAtomically(Data([1]), to: url)
        }
    }

    @Test("a directory at the target is left intact and no temporary file remains")
    func targetIsDirectory() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let target = directory.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data([5]).write(to: target.appendingPathComponent("inside"))
        expectFormatError(subject: target.path, containing: ["cannot replace the file"]) {
            try writeAtomically(Data([1]), to: target)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["taken"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.path) == ["inside"])
    }

    @Test("a relative path is named as given")
    func relativeName() {
        let url = URL(fileURLWithPath: "no-such-directory-GRUFormats/out.npy")
        expectFormatError(subject: "no-such-directory-GRUFormats/out.npy", containing: ["cannot write the file"]) {
            try writeAtomically(Data([1]), to: url)
        }
    }
}
