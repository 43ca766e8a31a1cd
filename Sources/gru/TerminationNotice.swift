import Foundation

/// What a process of a training job says when its launcher ends it: mpirun sends SIGTERM to
/// every other process when one fails or the job is cancelled. The line is made beforehand,
/// as a signal handler may only write(2) and _exit(2).
enum TerminationNotice {
    /// The line, in memory that is never freed.
    nonisolated(unsafe) private static var line: UnsafeMutableBufferPointer<UInt8>?

    /// From now on SIGTERM writes the line naming this process and exits with 143 (128 + 15).
    static func install(rank: Int, size: Int) {
        let text =
            "error: process \(rank) of \(size): stopped by the MPI launcher (another process of the job failed, "
            + "or the job was cancelled); the model directory keeps its last whole epoch, if one ended, which --resume "
            + "continues\n"
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: text.utf8.count)
        _ = buffer.initialize(from: text.utf8)
        line = buffer
        signal(SIGTERM) { _ in
            // After `silence`, the line has been replaced by the process's own error.
            if let line = TerminationNotice.line { _ = write(STDERR_FILENO, line.baseAddress, line.count) }
            _exit(143)
        }
    }

    /// SIGTERM ends the process without the line: it has said what went wrong itself.
    static func silence() {
        line = nil
    }
}
