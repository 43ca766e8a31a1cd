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
/// so a crash never leaves a half-written file at `url`. An existing file is replaced.
///
/// - Throws: `FormatError` naming the path when the directory is missing or not writable, the
///   target is a directory, or the disk is full.
public func writeAtomically(_ data: Data, to url: URL) throws {
    let path = url.path
    let directory = url.deletingLastPathComponent().path
    let temporaryPath = directory + "/." + url.lastPathComponent + "." + UUID().uuidString + ".tmp"

    let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
        throw FormatError(displayName(of: url), "cannot write the file (\(lastErrorMessage()))")
    }
    do {
        defer { close(descriptor) }
        try writeAll(data, to: descriptor, naming: url)
        guard fsync(descriptor) == 0 else {
            throw FormatError(displayName(of: url), "cannot flush the file (\(lastErrorMessage()))")
        }
    } catch {
        unlink(temporaryPath)
        throw error
    }
    guard rename(temporaryPath, path) == 0 else {
        let message = lastErrorMessage()
        unlink(temporaryPath)
        throw FormatError(displayName(of: url), "cannot replace the file (\(message))")
    }
    // Persist the rename itself; a failure here leaves the new file in place, so it is ignored.
    let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
    if directoryDescriptor >= 0 {
        _ = fsync(directoryDescriptor)
        close(directoryDescriptor)
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
