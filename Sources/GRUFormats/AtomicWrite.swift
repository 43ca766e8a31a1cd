import Foundation

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes `data` to `url` so that the file is either left as it was or replaced whole.
///
/// The bytes go to a temporary file in the same directory, are flushed to disk, and the
/// temporary file is then renamed over the target; a rename within one directory is atomic,
/// so a crash never leaves a half-written file at `url`. An existing file is replaced; a
/// symbolic link is followed, so the file it names is replaced and the link kept. A device
/// or a pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written in place: there is no file to
/// replace, and renaming over it would put a regular file where the device was.
///
/// - Throws: `FormatError` naming the path when the directory is missing or not writable, the
///   target is a directory, or the disk is full.
package func writeAtomically(_ data: Data, to url: URL) throws {
    try writeAtomically([(data, url)])
}

/// Writes several files, each as `writeAtomically(_:to:)` does, so that a failure in any of
/// them but the rename itself replaces none: every file is written and flushed to its
/// temporary file first, and only then are they renamed over their targets, in order.
package func writeAtomically(_ files: [(data: Data, url: URL)]) throws {
    let pending = try PendingWrite.prepare(files)
    for (index, write) in pending.enumerated() {
        do {
            try write.commit()
        } catch {
            for later in pending[(index + 1)...] { later.discard() }
            throw error
        }
    }
}

/// One file of `writeAtomically`: its bytes in a flushed temporary file beside the target,
/// or, for a device or pipe, held until `commit` writes them in place.
struct PendingWrite {
    let url: URL
    /// The file replaced: `url`, or the file a symbolic link at `url` names.
    let targetPath: String
    /// nil when the target is written in place.
    let temporaryPath: String?
    let data: Data

    /// Every file's temporary file, written and flushed; on a failure, none is left.
    static func prepare(_ files: [(data: Data, url: URL)]) throws -> [PendingWrite] {
        var pending: [PendingWrite] = []
        do {
            for file in files { pending.append(try PendingWrite(file.data, to: file.url)) }
        } catch {
            for write in pending { write.discard() }
            throw error
        }
        return pending
    }

    init(_ data: Data, to url: URL) throws {
        self.url = url
        self.data = data
        var linkStatus = stat()
        let isLink = lstat(url.path, &linkStatus) == 0 && (linkStatus.st_mode & S_IFMT) == S_IFLNK
        targetPath = isLink ? Self.linkTarget(url) : url.path
        var status = stat()
        let kind = stat(targetPath, &status) == 0 ? status.st_mode & S_IFMT : nil
        if kind == S_IFDIR {
            throw FormatError(displayName(of: url), "cannot replace the file (Is a directory)")
        }
        if let kind, kind != S_IFREG {
            temporaryPath = nil  // a device, pipe or socket
            return
        }
        let target = URL(fileURLWithPath: targetPath)
        let temporaryPath =
            target.deletingLastPathComponent().path + "/." + target.lastPathComponent + "."
            + UUID().uuidString + ".tmp"
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw FormatError(displayName(of: url), "cannot write the file (\(lastErrorMessage()))")
        }
        do {
            defer { close(descriptor) }
            // A replaced file keeps its permissions (a checkpoint made private stays private).
            if kind == S_IFREG { _ = fchmod(descriptor, status.st_mode & 0o7777) }
            try writeAll(data, to: descriptor, naming: url)
            guard fsync(descriptor) == 0 else {
                throw FormatError(displayName(of: url), "cannot flush the file (\(lastErrorMessage()))")
            }
        } catch {
            unlink(temporaryPath)
            throw error
        }
        self.temporaryPath = temporaryPath
    }

    /// The file a symbolic link names, also when it does not exist yet (a dangling link, which
    /// the write then creates), following links in turn.
    private static func linkTarget(_ url: URL) -> String {
        let resolved = url.resolvingSymlinksInPath().path
        guard resolved == url.standardizedFileURL.path,
            let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)
        else { return resolved }
        let target =
            destination.hasPrefix("/")
            ? URL(fileURLWithPath: destination)
            : url.deletingLastPathComponent().appendingPathComponent(destination)
        return target.standardizedFileURL.path
    }

    /// Puts the bytes at the target: renames the temporary file over it, or writes in place.
    func commit() throws {
        guard let temporaryPath else {
            let descriptor = open(targetPath, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw FormatError(displayName(of: url), "cannot write the file (\(lastErrorMessage()))")
            }
            defer { close(descriptor) }
            try writeAll(data, to: descriptor, naming: url)
            return
        }
        guard rename(temporaryPath, targetPath) == 0 else {
            let message = lastErrorMessage()
            unlink(temporaryPath)
            throw FormatError(displayName(of: url), "cannot replace the file (\(message))")
        }
        // Persist the rename itself; a failure here leaves the new file in place, so it is ignored.
        let directoryDescriptor = open(
            URL(fileURLWithPath: targetPath).deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// Removes the temporary file of a write that will not be committed.
    func discard() {
        if let temporaryPath { unlink(temporaryPath) }
    }
}

/// Writes every byte of `data` to an open file descriptor, retrying short writes.
private func writeAll(_ data: Data, to descriptor: Int32, naming url: URL) throws {
    try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw FormatError(displayName(of: url), "cannot write the file (\(lastErrorMessage()))")
            }
            offset += written
        }
    }
}

/// The C library's text for the current `errno`, such as "No such file or directory".
private func lastErrorMessage() -> String {
    String(cString: strerror(errno))
}
