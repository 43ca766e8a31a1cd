import Foundation

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Replaces several files as one set, also across a crash and beside readers: a reader that
/// goes through `readingSet` finds either all the old files or all the new ones, never one of
/// each (a model's configuration beside another model's weights).
///
/// Every file is written and flushed to a temporary file first (as `writeAtomically`). Then,
/// holding `lock` exclusively, a journal naming each temporary file and its target is written
/// atomically, the files are renamed into place, and the journal is removed. A crash before
/// the journal leaves the old set; after it, the next `readingSet` or `writeAsOneSet` finishes
/// the renames. The journal names files by their names in its own directory, so a directory
/// copied or moved after a crash finishes its own save, and recovery renames nothing outside it.
///
/// - Parameters:
///   - journal: where the journal goes; in the files' directory, named like none of them.
///   - lock: the set's lock file, created when missing (beside the journal).
///   - names: the names a journal may rename onto, all the set's files.
package func writeAsOneSet(_ files: [(data: Data, url: URL)], journal: URL, lock: URL, names: Set<String>) throws {
    let pending = try PendingWrite.prepare(files)
    let setLock: FileSetLock
    do {
        setLock = try FileSetLock(lock, exclusive: true, creating: true)
        try refuseLink(journal)
        try completeInterruptedSet(journal: journal, names: names)
        // Only files of the journal's own directory, by name: a file that a link places
        // elsewhere is renamed with the rest but not journaled, as recovery renames nothing
        // outside the directory (a journal from a downloaded model must not reach ~/.bashrc).
        let directory = journal.deletingLastPathComponent().standardizedFileURL.path
        func nameInDirectory(_ path: String) -> String? {
            let url = URL(fileURLWithPath: path)
            return url.deletingLastPathComponent().standardizedFileURL.path == directory ? url.lastPathComponent : nil
        }
        let entries = pending.compactMap { write -> String? in
            guard let temporary = write.temporaryPath.flatMap(nameInDirectory),
                let target = nameInDirectory(write.targetPath)
            else {
                return nil
            }
            return temporary + "\t" + target + "\n"
        }
        if !entries.isEmpty { try writeAtomically(Data(entries.joined().utf8), to: journal) }
    } catch {
        for write in pending { write.discard() }
        throw error
    }
    // From here the journal stands for the new set: a rename that fails leaves the remaining
    // temporary files for the next reader to finish, not discarded beside a half-renamed set.
    try withExtendedLifetime(setLock) {
        for write in pending { try write.commit() }
        unlink(journal.path)
    }
}

/// Runs `body`, which reads files of a set written by `writeAsOneSet`, while no writer renames
/// them, after finishing a save that a crash interrupted. `names` as for `writeAsOneSet`.
package func readingSet<T>(journal: URL, lock: URL, names: Set<String>, _ body: () throws -> T) throws -> T {
    try refuseLink(journal)
    try refuseLink(lock)
    let hasJournal = FileManager.default.fileExists(atPath: journal.path)
    // The lock file is made when missing, so that a writer starting now waits for this read. A
    // directory this user may not write (or a lock file it may not open) has no writer but its
    // owner's; a journal there is a crash's, and finishing it fails with a clear message.
    guard let setLock = try? FileSetLock(lock, exclusive: false, creating: true) else {
        if hasJournal { try completeInterruptedSet(journal: journal, names: names) }
        return try body()
    }
    if hasJournal {
        // While readers share the lock no writer is renaming, so the journal is a crash's.
        try setLock.relock(exclusive: true)
        try completeInterruptedSet(journal: journal, names: names)
        try setLock.relock(exclusive: false)
    }
    return try withExtendedLifetime(setLock) { try body() }
}

/// Finishes the renames of a `writeAsOneSet` that a crash interrupted after its journal was
/// written; nothing when there is no journal. Call it holding the set's lock exclusively.
///
/// - Throws: `FormatError` when the journal cannot be read (it is kept) or the renames cannot
///   be done (a directory that is not writable).
func completeInterruptedSet(journal: URL, names: Set<String>) throws {
    guard FileManager.default.fileExists(atPath: journal.path) else { return }
    let directory = journal.deletingLastPathComponent()
    guard let text = try? String(contentsOf: journal, encoding: .utf8) else {
        throw FormatError(displayName(of: journal), "cannot read the journal of an interrupted save")
    }
    let lines = text.split(separator: "\n").map { $0.split(separator: "\t", maxSplits: 1).map(String.init) }
    // Each line a temporary file as writeAsOneSet names it, `.NAME.<id>.tmp`, a regular file
    // of this directory, and NAME one of the set's files, each at most once.
    func isTemporary(_ temporary: String, of name: String) -> Bool {
        let prefix = "." + name + ".", suffix = ".tmp"
        guard !temporary.contains("/"), temporary.hasPrefix(prefix), temporary.hasSuffix(suffix),
            temporary.count > prefix.count + suffix.count
        else { return false }
        // Renamed already (absent), or a regular file: never a link put into the set.
        var status = stat()
        return lstat(directory.appendingPathComponent(temporary).path, &status) != 0
            || status.st_mode & S_IFMT == S_IFREG
    }
    let targets = lines.compactMap { $0.count == 2 ? $0[1] : nil }
    guard !lines.isEmpty, Set(targets).count == lines.count,
        lines.allSatisfy({ $0.count == 2 && names.contains($0[1]) && isTemporary($0[0], of: $0[1]) })
    else {
        throw FormatError(
            displayName(of: journal),
            "is not the journal of a save; expected lines of a temporary file and its target in this directory, a tab between"
        )
    }
    for paths in lines {
        let resolved = paths.map { directory.appendingPathComponent($0).path }
        guard access(resolved[0], F_OK) == 0 else { continue }  // renamed already
        guard rename(resolved[0], resolved[1]) == 0 else {
            throw FormatError(
                displayName(of: directory),
                "holds a save that was interrupted and cannot be finished (\(String(cString: strerror(errno)))); run a gru command here with write access"
            )
        }
    }
    unlink(journal.path)
}

/// Refuses a journal that is a symbolic link: written or read through it, the journal would
/// reach a file outside the directory.
private func refuseLink(_ journal: URL) throws {
    var status = stat()
    if lstat(journal.path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK {
        throw FormatError(
            displayName(of: journal), "is a symbolic link; expected the journal file that saves write here")
    }
}

/// An advisory lock on a file set's lock file: shared by readers, exclusive for the writer
/// renaming; released when the value is.
final class FileSetLock {
    private let descriptor: Int32
    private let url: URL

    init(_ url: URL, exclusive: Bool, creating: Bool) throws {
        self.url = url
        // Never through a link: the lock file is the directory's own.
        let flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW
        descriptor = creating ? open(url.path, flags | O_CREAT, 0o644) : open(url.path, flags)
        guard descriptor >= 0 else {
            throw FormatError(displayName(of: url), "cannot open the lock file (\(String(cString: strerror(errno))))")
        }
        do {
            try relock(exclusive: exclusive)
        } catch {
            close(descriptor)
            throw error
        }
    }

    /// Takes the lock shared or exclusive, waiting for other holders.
    func relock(exclusive: Bool) throws {
        while flock(descriptor, exclusive ? LOCK_EX : LOCK_SH) != 0 {
            guard errno == EINTR else {
                throw FormatError(displayName(of: url), "cannot lock the file (\(String(cString: strerror(errno))))")
            }
        }
    }

    deinit {
        close(descriptor)
    }
}
