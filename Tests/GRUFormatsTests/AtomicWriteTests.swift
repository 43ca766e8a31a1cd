import Foundation
import GRUTestSupport
import Testing

@testable import GRUFormats

@Suite("writeAtomically", .tags(.unit))
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

    @Test("a symbolic link is kept and the file it names is replaced")
    func followsSymbolicLinks() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let target = directory.appendingPathComponent("target.bin"), link = directory.appendingPathComponent("link.bin")
        try Data([1]).write(to: target)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        try writeAtomically(Data([7, 8]), to: link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == target.path)
        #expect(try Data(contentsOf: target) == Data([7, 8]))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["link.bin", "target.bin"])
    }

    @Test("a dangling symbolic link is kept and the file it names is created")
    func createsTheTargetOfADanglingLink() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let link = directory.appendingPathComponent("link.bin")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "new.bin")
        try writeAtomically(Data([4]), to: link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "new.bin")
        #expect(try Data(contentsOf: directory.appendingPathComponent("new.bin")) == Data([4]))
    }

    @Test("a replaced file keeps its permissions")
    func keepsPermissions() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let url = directory.appendingPathComponent("private.bin")
        try Data([1]).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
        try writeAtomically(Data([2]), to: url)
        #expect(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int == 0o600)
        #expect(try Data(contentsOf: url) == Data([2]))
    }

    @Test("a device is written in place, not replaced by a regular file")
    func writesDevicesInPlace() throws {
        try writeAtomically(Data([1, 2, 3]), to: URL(fileURLWithPath: "/dev/null"))
        var status = stat()
        #expect(stat("/dev/null", &status) == 0)
        #expect(status.st_mode & S_IFMT == S_IFCHR)
    }

    @Test("several files: a failure before the renames replaces none and leaves no temporary files")
    func severalFilesAllOrNothing() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let first = directory.appendingPathComponent("first.bin"),
            second = directory.appendingPathComponent("second.bin")
        try Data([1]).write(to: first)
        expectFormatError(subject: directory.path + "/missing/x.bin", containing: ["cannot write the file"]) {
            try writeAtomically([(Data([2]), first), (Data([3]), directory.appendingPathComponent("missing/x.bin"))])
        }
        let taken = directory.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: taken, withIntermediateDirectories: false)
        expectFormatError(subject: taken.path, containing: ["cannot replace the file", "Is a directory"]) {
            try writeAtomically([(Data([2]), first), (Data([3]), taken)])
        }
        #expect(try Data(contentsOf: first) == Data([1]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["first.bin", "taken"])

        try writeAtomically([(Data([2]), first), (Data([3]), second)])
        #expect(try Data(contentsOf: first) == Data([2]))
        #expect(try Data(contentsOf: second) == Data([3]))
    }

    @Test("a set of files: replaced whole, journal gone; a crash after the journal is finished by the next reader")
    func setsOfFilesSurviveACrash() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let a = directory.appendingPathComponent("a.bin"), b = directory.appendingPathComponent("b.bin")
        let journal = directory.appendingPathComponent(".journal"), lock = directory.appendingPathComponent(".lock")
        try writeAsOneSet([(Data([1]), a), (Data([2]), b)], journal: journal, lock: lock, names: ["a.bin", "b.bin"])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [".lock", "a.bin", "b.bin"])

        // As a crash leaves it after the journal and the first rename: a new, b's new bytes
        // still in their temporary file. The journal names them relative to the directory, so
        // a copy of the directory finishes its own save.
        try Data([3]).write(to: a)
        try Data([4]).write(to: directory.appendingPathComponent(".b.bin.crashed.tmp"))
        try Data(".a.bin.crashed.tmp\ta.bin\n.b.bin.crashed.tmp\tb.bin\n".utf8).write(to: journal)
        let copy = directory.appendingPathComponent("copy")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: false)
        for name in [".lock", ".journal", "a.bin", "b.bin", ".b.bin.crashed.tmp"] {
            try FileManager.default.copyItem(
                at: directory.appendingPathComponent(name), to: copy.appendingPathComponent(name))
        }
        for place in [copy, directory] {
            let read = try readingSet(
                journal: place.appendingPathComponent(".journal"), lock: place.appendingPathComponent(".lock"),
                names: ["a.bin", "b.bin"]
            ) {
                try [
                    Data(contentsOf: place.appendingPathComponent("a.bin")),
                    Data(contentsOf: place.appendingPathComponent("b.bin")),
                ]
            }
            #expect(read == [Data([3]), Data([4])], "\(place.lastPathComponent)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: copy.path).sorted() == [".lock", "a.bin", "b.bin"])
    }

    @Test("a damaged journal is an error and is kept")
    func damagedJournalIsKept() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let journal = directory.appendingPathComponent(".journal"), lock = directory.appendingPathComponent(".lock")
        try writeAsOneSet(
            [(Data([1]), directory.appendingPathComponent("a.bin"))], journal: journal, lock: lock,
            names: ["a.bin", "b.bin"])
        // A victim outside the directory, and journals that would rename it or rename onto it.
        let victim = directory.deletingLastPathComponent().appendingPathComponent("victim-\(UUID().uuidString).txt")
        try Data("kept".utf8).write(to: victim)
        defer { try? FileManager.default.removeItem(at: victim) }
        try Data([9]).write(to: directory.appendingPathComponent(".a.bin.evil.tmp"))
        try Data([8]).write(to: directory.appendingPathComponent(".a.bin.tmp"))
        try Data([7]).write(to: directory.appendingPathComponent(".notes.txt.evil.tmp"))
        try FileManager.default.createSymbolicLink(
            at: directory.appendingPathComponent(".b.bin.link.tmp"), withDestinationURL: victim)
        for text in [
            "garbage{", "", "../\(victim.lastPathComponent)\ta.bin\n", ".a.bin.evil.tmp\t\(victim.path)\n",
            ".a.bin.evil.tmp\t../\(victim.lastPathComponent)\n",
            ".a.bin.tmp\ta.bin\n",  // no middle part: not a name writeAsOneSet makes
            ".notes.txt.evil.tmp\tnotes.txt\n",  // not a file of the set
            ".a.bin.evil.tmp\ta.bin\n.a.bin.evil.tmp\ta.bin\n",  // one target twice
            ".b.bin.link.tmp\tb.bin\n",
        ] {  // a link put into the set
            try Data(text.utf8).write(to: journal)
            expectFormatError(subject: journal.path, containing: ["journal"]) {
                _ = try readingSet(journal: journal, lock: lock, names: ["a.bin", "b.bin"]) { 0 }
            }
            #expect(FileManager.default.fileExists(atPath: journal.path))
        }
        #expect(try Data(contentsOf: victim) == Data("kept".utf8))
        #expect(try Data(contentsOf: directory.appendingPathComponent("a.bin")) == Data([1]))
    }

    @Test("a crashed save is finished without its lock file; a journal that is a link is refused")
    func journalWithoutLockOrAsLink() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let a = directory.appendingPathComponent("a.bin")
        let journal = directory.appendingPathComponent(".journal"), lock = directory.appendingPathComponent(".lock")
        try Data([1]).write(to: a)
        try Data([2]).write(to: directory.appendingPathComponent(".a.bin.crashed.tmp"))
        try Data(".a.bin.crashed.tmp\ta.bin\n".utf8).write(to: journal)
        #expect(
            try readingSet(journal: journal, lock: lock, names: ["a.bin", "b.bin"]) { try Data(contentsOf: a) }
                == Data([2]))
        #expect(!FileManager.default.fileExists(atPath: journal.path))

        let outside = directory.deletingLastPathComponent().appendingPathComponent("outside-\(UUID().uuidString)")
        try FileManager.default.createSymbolicLink(at: journal, withDestinationURL: outside)
        expectFormatError(subject: journal.path, containing: ["is a symbolic link"]) {
            try writeAsOneSet([(Data([3]), a)], journal: journal, lock: lock, names: ["a.bin", "b.bin"])
        }
        #expect(!FileManager.default.fileExists(atPath: outside.path))
        #expect(try Data(contentsOf: a) == Data([2]))
    }
}
