import Foundation
import GRUFormats

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#endif

/// The exclusive right to write a model directory, held while a training run lasts: two runs
/// writing one directory at once would leave one run's configuration beside the other's
/// weights. An advisory lock on the directory itself, released when the value is, or when
/// the process ends however it ends.
public final class ModelDirectoryLock: Sendable {
    private let descriptor: Int32

    /// Locks the existing directory at `url`.
    ///
    /// - Throws: `FormatError` naming the directory when another process holds the lock, or
    ///   the directory cannot be opened.
    public init(_ url: URL) throws {
        let name = displayName(of: url)
        descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FormatError(name, "cannot open the model directory (\(String(cString: strerror(errno))))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw FormatError(
                name,
                "another gru train is writing this model directory; wait for it to finish or train into another directory"
            )
        }
    }

    deinit {
        close(descriptor)
    }
}
