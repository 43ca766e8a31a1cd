import ArgumentParser
import Foundation
import GRUKit

#if GRUKIT_MPI
import GRUDistributed
#endif

/// How this process was started: alone, or as one process of an MPI job (`mpirun -np N gru
/// train ...`, `srun`), which the launcher says in the environment.
enum DistributedLaunch {
    /// Whether a launcher started this process as part of a job: Open MPI's mpirun
    /// (OMPI_COMM_WORLD_SIZE), PMIx launchers such as Slurm's srun --mpi=pmix (PMIX_RANK), or
    /// MPICH's Hydra (PMI_SIZE).
    static var isLaunchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"].contains { environment[$0] != nil }
    }

    /// The job's process count as the launcher announces it; 1 when none does.
    static var announcedProcessCount: Int {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"].lazy.compactMap { environment[$0].flatMap { Int($0) } }.first ?? 1
    }

    /// Runs `body` with the group of processes training together: the MPI job's when a
    /// launcher started this process, else this process alone. In a job, each process splits
    /// the cores of its machine with the job's other processes there (unless
    /// GRUKIT_NUM_THREADS says otherwise), a failure on any process ends the whole job
    /// (MPI_Abort) after its one line, and so does the launcher's SIGTERM, with a line saying
    /// what the model directory holds.
    static func withProcessGroup(_ body: (any ProcessGroup) throws -> Void) throws {
        guard isLaunchedByMPI else { return try body(SingleProcess()) }
        #if GRUKIT_MPI
        let group = try MPIProcessGroup()
        let threads =
            ThreadCountSetting.requested.map { min($0, AvailableCores.count) }
            ?? max(1, AvailableCores.count / group.processesOnThisHost)
        TerminationNotice.install(rank: group.rank, size: group.size)
        do {
            try ThreadTeam.withParts(min(threads, ThreadCountSetting.maximum)) { try body(group) }
        } catch let exit as ExitCode {
            group.abort(code: exit.rawValue)
        } catch {
            // An error every process meets (a bad file) is said once, by process 0, whose abort
            // ends the others while they wait; one only this process meets is said after that.
            TerminationNotice.silence()
            if group.rank > 0 { Thread.sleep(forTimeInterval: 1) }
            let origin = group.rank > 0 ? "process \(group.rank) of \(group.size): " : ""
            FileHandle.standardError.write(Data(("error: " + origin + errorLine(error).dropFirst(7)).utf8))
            // The others would wait for this process's next sum forever.
            group.abort(code: 1)
        }
        try group.finish()
        #else
        guard announcedProcessCount <= 1 else {
            throw DistributedBuildError(processCount: announcedProcessCount)
        }
        try body(SingleProcess())
        #endif
    }
}

/// An MPI launch of a `gru` built without MPI: each process would train alone and all would
/// write one directory.
struct DistributedBuildError: Error, CustomStringConvertible {
    let processCount: Int
    var description: String {
        "this gru was built without MPI, so its \(processCount) processes cannot train together; expected one process, "
            + "or a gru built with Open MPI installed (libopenmpi-dev; see README's 'Training on several processes')"
    }
}
