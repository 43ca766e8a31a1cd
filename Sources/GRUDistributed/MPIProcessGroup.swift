import CMPI
import GRUTraining

/// The processes of an MPI job (MPI_COMM_WORLD) as a `ProcessGroup`: started by `mpirun`,
/// `srun` or any MPI launcher, each process training on its rows of every global batch, the
/// gradients summed with one MPI_Allreduce per step.
///
/// One per process: MPI may be initialized once. Errors of MPI calls come back as
/// `MPIError` instead of ending the process inside the library, so that the caller can say
/// what failed before it ends the job with `abort`.
public final class MPIProcessGroup: ProcessGroup {
    /// This process's rank in MPI_COMM_WORLD.
    public let rank: Int
    /// The job's process count.
    public let size: Int
    /// How many of the job's processes run on this machine (they share its cores).
    public let processesOnThisHost: Int

    /// Initializes MPI: the launcher's environment names the job.
    ///
    /// - Throws: `MPIError` when MPI cannot start.
    public init() throws {
        try Self.check(cmpi_init(), "MPI_Init_thread")
        try Self.check(cmpi_return_errors(), "MPI_Comm_set_errhandler")
        var rank: Int32 = 0, size: Int32 = 0, local: Int32 = 0
        try Self.check(cmpi_rank(&rank), "MPI_Comm_rank")
        try Self.check(cmpi_size(&size), "MPI_Comm_size")
        try Self.check(cmpi_local_size(&local), "MPI_Comm_split_type")
        (self.rank, self.size, processesOnThisHost) = (Int(rank), Int(size), max(1, Int(local)))
    }

    /// MPI_Allreduce of `values` with MPI_SUM, in place, in pieces of at most 2^30 values
    /// (MPI counts are 32-bit).
    public func sum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try Self.inPieces(values.count) { start, count in
            try Self.check(cmpi_sum_floats(values.baseAddress! + start, Int32(count)), "MPI_Allreduce")
        }
    }

    /// `sum` for Doubles.
    public func sum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        try Self.inPieces(values.count) { start, count in
            try Self.check(cmpi_sum_doubles(values.baseAddress! + start, Int32(count)), "MPI_Allreduce")
        }
    }

    /// Ends every process of the job with `code` (MPI_Abort): what a process that failed does,
    /// so that the others do not wait for it in a sum that never comes.
    public func abort(code: Int32 = 1) -> Never {
        cmpi_abort(code)
        fatalError("MPI_Abort returned")
    }

    /// Shuts MPI down; the last MPI call of a process that finished normally.
    public func finish() throws {
        try Self.check(cmpi_finalize(), "MPI_Finalize")
    }

    private static func inPieces(_ count: Int, _ body: (Int, Int) throws -> Void) throws {
        let piece = 1 << 30
        for start in stride(from: 0, to: count, by: piece) { try body(start, min(piece, count - start)) }
    }

    private static func check(_ status: Int32, _ call: String) throws {
        guard status != MPI_SUCCESS else { return }
        var text = [CChar](repeating: 0, count: Int(cmpi_max_error_text()) + 1)
        cmpi_error_text(status, &text)
        let bytes = text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        throw MPIError(call: call, message: String(decoding: bytes, as: UTF8.self))
    }
}

/// An MPI call that failed: which, and the library's words.
public struct MPIError: Error, CustomStringConvertible {
    /// The MPI function.
    public let call: String
    /// MPI_Error_string's text.
    public let message: String

    /// "MPI_Allreduce failed: ...".
    public var description: String { "\(call) failed: \(message)" }
}
