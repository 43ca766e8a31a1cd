import Foundation

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Replaces several files as one set, also across a crash: a reader finds either all the old
/// files or all the new ones, never one of each (a model's configuration beside another
/// model's weights).
///
/// Every file is written and flushed to a temporary file first (as `writeAtomically`); then a
/// journal naming each temporary file and its target is written atomically; then the files
/// are renamed into place and the journal removed. A crash before the journal leaves the old
/// set; after it, `completeInterruptedSet` finishes the renames.
///
/// - Parameter journal: where the journal goes while the set is replaced; in the files'
///   directory, under a name no file of the set has.
public func writeAsOneSet(_ files: [(data: Data, url: URL)], journal: URL) throws {
    try completeInterruptedSet(journal: journal)
    var pending: [PendingWrite] = []
    do {
        for file in files { pending.append(try PendingWrite(file.data, to: file.url)) }
        let entries = pending.compactMap { write in write.temporaryPath.map { $0 + "\t" + write.targetPath + "\n" } }
        try writeAtomically(Data(entries.joined().utf8), to: journal)
    } catch {
        pending.forEach { $0.discard() }
        throw error
    }
    for write in pending { try write.commit() }
    unlink(journal.path)
}

/// Finishes the renames of a `writeAsOneSet` that a crash interrupted after its journal was
/// written; nothing when there is no journal.
///
/// - Throws: `FormatError` naming the journal's directory when the renames cannot be done
///   (a directory that is not writable).
public func completeInterruptedSet(journal: URL) throws {
    guard let text = try? String(contentsOf: journal, encoding: .utf8) else { return }
    for line in text.split(separator: "\n") {
        let paths = line.split(separator: "\t", maxSplits: 1).map(String.init)
        guard paths.count == 2, access(paths[0], F_OK) == 0 else { continue }  // renamed already
        guard rename(paths[0], paths[1]) == 0 else {
            throw FormatError(
                displayName(of: journal.deletingLastPathComponent()),
                "holds a save that was interrupted and cannot be finished (\(String(cString: strerror(errno)))); run gru train --resume here with write access")
        }
    }
    unlink(journal.path)
}
