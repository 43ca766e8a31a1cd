#if GRUKIT_MPI
import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `mpirun -np N gru train` as real processes on this machine: N processes with a global batch
/// B reach the weights of one process with batch B (dropout included, SGD and Adam, a
/// forecast and a tagging task with class weights, shards of unequal and empty size), a run resumed with another
/// process count continues it, a process killed mid-epoch ends the job with a message and a
/// checkpoint that --resume continues, and a set smaller than the job is refused.
@Suite(.serialized, .tags(.endToEnd))
struct DistributedTrainingEndToEndTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        // 230 training sequences after the 10% validation split: batches of 12 end in one of
        // 2 rows, which leaves two of four processes without rows.
        for (task, flags) in [("adding", ["--steps", "24"]), ("copy", ["--delay", "6"])] {
            let result = try CommandRunner.run(
                ["data", task, "--output", directory.path(task), "--count", "256", "--seed", "5"] + flags)
            #expect(result.exitCode == 0, "\(result.standardError)")
        }
    }

    /// Runs `gru train` alone (processes 0) or under mpirun.
    private func train(
        processes: Int, _ arguments: [String]
    ) throws -> CommandResult {
        guard processes > 0 else { return try CommandRunner.run(["train"] + arguments) }
        return try CommandRunner.run(
            ["train"] + arguments, launcher: MPILauncher.command(processes: processes),
            environment: MPILauncher.environment)
    }

    private func settings(task: String, optimizer: String, model: String, epochs: Int = 2) -> [String] {
        let taskFlag = task == "adding" ? "forecast" : "tag"
        return [
            "--train", directory.path(task), "--task", taskFlag, "--model", directory.path(model),
            "--epochs", "\(epochs)", "--batch-size", "12", "--hidden-size", "12", "--layers", "2",
            "--optimizer", optimizer, "--learning-rate", optimizer == "sgd" ? "0.1" : "0.005", "--seed", "7",
            "--input-dropout", "0.1", "--layer-dropout", "0.2", "--recurrent-dropout", "0.2",
        ] + (task == "copy" ? ["--balance-classes", "--label-smoothing", "0.1"] : [])
    }

    private func weights(_ model: String) throws -> [String: [Float]] {
        let file = try SafetensorsFile.read(
            contentsOf: directory.url.appendingPathComponent("\(model)/weights.safetensors"))
        return try Dictionary(uniqueKeysWithValues: file.names.map { ($0, try file.require($0).scalars) })
    }

    /// Every weight within 1e-5 relative (of max(1, |w|)): float32 sums in another order.
    private func expectSameWeights(_ model: String, as reference: String) throws {
        let expected = try weights(reference), found = try weights(model)
        #expect(Set(found.keys) == Set(expected.keys))
        var worst: Float = 0
        for (name, values) in expected {
            for (a, b) in zip(values, found[name] ?? []) { worst = max(worst, abs(a - b) / max(1, abs(a))) }
        }
        #expect(worst <= 1e-5, "\(model) differs from \(reference) by \(worst) relative")
        // Not a test that cannot fail: training moved the weights away from each other's seeds.
        #expect(expected != found || model == reference)
    }

    @Test(arguments: ["adding", "copy"], ["sgd", "adam"])
    func processesReachTheWeightsOfOneProcess(task: String, optimizer: String) throws {
        let alone = try train(processes: 0, settings(task: task, optimizer: optimizer, model: "\(task)-\(optimizer)-1"))
        #expect(alone.exitCode == 0, "\(alone.standardError)")
        for processes in [2, 4] {
            let model = "\(task)-\(optimizer)-\(processes)"
            let result = try train(processes: processes, settings(task: task, optimizer: optimizer, model: model))
            #expect(result.exitCode == 0, "\(result.standardError)")
            #expect(result.standardOutput.contains("\(processes) processes"))
            try expectSameWeights(model, as: "\(task)-\(optimizer)-1")
            // The validation metrics, split and summed, are the whole set's.
            let log = try String(contentsOfFile: directory.path("\(model)/log.jsonl"), encoding: .utf8)
            let aloneLog = try String(
                contentsOfFile: directory.path("\(task)-\(optimizer)-1/log.jsonl"), encoding: .utf8)
            #expect(validationLosses(log).count == 2)
            for (a, b) in zip(validationLosses(log), validationLosses(aloneLog)) {
                #expect(abs(a - b) <= 1e-4 * max(1, abs(b)))
            }
        }
    }

    @Test func aRunResumedWithAnotherProcessCountContinuesIt() throws {
        let straight = try train(
            processes: 0, settings(task: "adding", optimizer: "adam", model: "straight", epochs: 4))
        #expect(straight.exitCode == 0, "\(straight.standardError)")
        let first = try train(processes: 2, settings(task: "adding", optimizer: "adam", model: "resumed", epochs: 2))
        #expect(first.exitCode == 0, "\(first.standardError)")
        let resumed = try train(
            processes: 4,
            ["--train", directory.path("adding"), "--model", directory.path("resumed"), "--resume", "--epochs", "4"])
        #expect(resumed.exitCode == 0, "\(resumed.standardError)")
        #expect(resumed.standardOutput.contains("resuming after epoch 2"))
        try expectSameWeights("resumed", as: "straight")
    }

    @Test func aKilledProcessEndsTheJobAndLeavesACheckpointToResume() throws {
        let bigData = directory.path("big")
        #expect(
            try CommandRunner.run(["data", "adding", "--output", bigData, "--count", "3000", "--steps", "60"]).exitCode
                == 0)
        let model = directory.path("killed")
        let arguments = [
            "train", "--train", bigData, "--task", "forecast", "--model", model, "--epochs", "200", "--batch-size",
            "16",
            "--hidden-size", "32",
        ]
        let job = try MPILauncher.start(processes: 2, arguments: arguments, output: directory.url)
        // Once the first epoch is saved, kill process 1 in the middle of a later one.
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: model + "/checkpoint.safetensors") && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 0.3)
        let victim = try #require(MPILauncher.processID(rank: 1, commandLineContaining: model))
        kill(victim, SIGKILL)
        let killedAt = Date()
        let exited = job.waitUntilExit(timeout: 60)
        #expect(exited, "the job still ran 60 s after a process was killed")
        #expect(Date().timeIntervalSince(killedAt) < 60)
        #expect(job.process.terminationStatus != 0)
        let errors = try String(contentsOf: directory.url.appendingPathComponent("job.err"), encoding: .utf8)
        #expect(errors.contains("error: process 0 of 2: stopped by the MPI launcher"), "\(errors)")
        // The last whole epoch is there, and --resume continues it.
        let directory = ModelDirectory(URL(fileURLWithPath: model))
        let saved = try directory.loadCheckpoint(configuration: directory.loadManifest().model).state.epochsCompleted
        #expect(saved >= 1)
        let resumed = try CommandRunner.run(
            ["train", "--train", bigData, "--model", model, "--resume", "--epochs", "\(saved + 1)"])
        #expect(resumed.exitCode == 0, "\(resumed.standardError)")
        #expect(resumed.standardOutput.contains("resuming after epoch \(saved)"))
        let log = try String(contentsOfFile: model + "/log.jsonl", encoding: .utf8)
        #expect(log.split(separator: "\n").count == saved + 1)
    }

    @Test func aSetSmallerThanTheJobIsOneLine() throws {
        let tiny = try CommandRunner.run([
            "data", "adding", "--output", directory.path("tiny"), "--count", "3", "--steps", "5",
        ])
        #expect(tiny.exitCode == 0)
        let result = try train(
            processes: 4,
            [
                "--train", directory.path("tiny"), "--validation", directory.path("tiny"), "--task", "forecast",
                "--model", directory.path("tiny-model"), "--epochs", "1",
            ])
        #expect(result.exitCode != 0)
        let lines = result.standardError.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(
            lines == [
                "error: the number of processes: 4 processes for 3 training sequences in batches of 32; expected at most one process per sequence of a batch (3)"
            ], "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("tiny-model")))
    }

    private func validationLosses(_ log: String) -> [Double] {
        log.split(separator: "\n").compactMap { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return (object?["validation"] as? [String: Double])?["loss"]
        }
    }
}

/// mpirun as the tests start it: as root when the tests run as root (CI), more processes than
/// cores allowed, one thread each.
enum MPILauncher {
    static let program: String = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        return path.split(separator: ":").map { "\($0)/mpirun" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
            ?? "/usr/bin/mpirun"
    }()

    static func command(processes: Int) -> [String] {
        [program, "-np", "\(processes)", "--oversubscribe", "--bind-to", "none"]
    }

    static let environment = [
        "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "GRUKIT_NUM_THREADS": "1",
        // Loopback only: the tests need no network.
        "OMPI_MCA_btl": "self,vader,tcp", "OMPI_MCA_btl_tcp_if_include": "lo", "OMPI_MCA_oob_tcp_if_include": "lo",
    ]

    /// A job running in the background, its output in job.out and job.err under `output`.
    final class Job {
        let process: Process
        init(process: Process) { self.process = process }

        func waitUntilExit(timeout: TimeInterval) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            return !process.isRunning
        }

        deinit { if process.isRunning { process.terminate() } }
    }

    static func start(processes: Int, arguments: [String], output: URL) throws -> Job {
        let process = Process()
        guard let gru = CommandRunner.executable else { throw MissingExecutable() }
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(command(processes: processes).dropFirst()) + [gru.path] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        for name in ["job.out", "job.err"] {
            FileManager.default.createFile(atPath: output.appendingPathComponent(name).path, contents: nil)
        }
        process.standardOutput = try FileHandle(forWritingTo: output.appendingPathComponent("job.out"))
        process.standardError = try FileHandle(forWritingTo: output.appendingPathComponent("job.err"))
        try process.run()
        return Job(process: process)
    }

    /// The process of the job whose rank is `rank` and whose command line names `text`.
    static func processID(rank: Int, commandLineContaining text: String) -> pid_t? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry),
                let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ"),
                let commandLine = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { continue }
            let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            let words = commandLine.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") && words.contains(text)
                && !words[0].hasSuffix("mpirun")
            {
                return pid
            }
        }
        return nil
    }
}
#endif
