import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `gru bench` run as a user runs it: the JSON records Benchmarks/compare.py merges (the
/// schema of Benchmarks/harness.py, GFLOP/s by the issue's definition), the table's machine
/// lines, and a bad case name.
@Suite(.tags(.endToEnd))
struct BenchCommandEndToEndTests {
    /// Every key of a record in Benchmarks/harness.py's RECORD_KEYS.
    static let schemaKeys: Set<String> = [
        "framework", "version", "case", "mode", "batch", "steps", "input_size", "hidden_size",
        "median_ms", "min_ms", "repeats", "threads", "gflops", "sequence_steps_per_s", "peak_memory_mb",
    ]

    private func records(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try CommandRunner.run(["bench", "--quick", "--json"] + arguments)
        #expect(result.exitCode == 0, "\(result.standardError)")
        let parsed = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
        return try #require(parsed as? [[String: Any]], "expected a JSON array of objects: \(result.standardOutput)")
    }

    @Test func jsonRecordsFollowTheSchemaAndCountFlopsAsTheIssueDefines() throws {
        let records = try records(["--memory", "--cases", "S1,S2,stream-H128,B2-T5-I4-H8"])
        #expect(
            records.map { "\($0["case"]!) \($0["mode"]!)" }
                == ["S1 forward", "S2 forward", "S2 train", "stream-H128 stream", "B2-T5-I4-H8 forward"])
        for record in records {
            let name = "\(record["case"]!) \(record["mode"]!)"
            #expect(Self.schemaKeys.isSubset(of: Set(record.keys)), "\(name): keys \(record.keys.sorted())")
            #expect(record["framework"] as? String == "gruKit")
            #expect(record["kernels"] as? String == KernelReport.summary, "\(name)")
            let sgemm = try #require(record["sgemm_gflops"] as? Double)
            #expect(sgemm > 0, "\(name)")
            let median = try #require(record["median_ms"] as? Double),
                fastest = try #require(record["min_ms"] as? Double)
            #expect(median > 0 && fastest > 0 && fastest <= median, "\(name): min \(fastest), median \(median)")
            #expect(record["repeats"] as? Int == 3, "\(name)")
            // 2 * 3 * (I*H + H*H) per step and sequence; training 3x; a stream record is one step.
            let batch = try #require(record["batch"] as? Int), steps = try #require(record["steps"] as? Int)
            let input = try #require(record["input_size"] as? Int), hidden = try #require(record["hidden_size"] as? Int)
            let mode = try #require(record["mode"] as? String)
            let flops =
                6.0 * Double(input * hidden + hidden * hidden) * Double(steps * batch) * (mode == "train" ? 3 : 1)
            let gflops = try #require(record["gflops"] as? Double)
            #expect(abs(gflops - flops / (median / 1000) / 1e9) <= 1e-6 * gflops, "\(name): \(gflops) GFLOP/s")
            if mode == "stream" { #expect(batch == 1 && steps == 1, "\(name)") }
            // Peak memory is measured for training steps only, and a step needs some.
            if mode == "train" {
                let peak = try #require(record["peak_memory_mb"] as? Double, "\(name): no peak memory")
                #expect(peak > 0, "\(name)")
            } else {
                #expect(record["peak_memory_mb"] is NSNull, "\(name)")
            }
        }
    }

    #if os(Linux)
    /// Pinned to one CPU, gru sizes its thread team to it: a team of two spinning threads on
    /// one core waited out a time slice at every step (S1 took 21.7 ms instead of 0.25).
    @Test func benchUnderOneCPUsAffinityRunsOneThread() throws {
        let taskset = "/usr/bin/taskset"  // util-linux, part of every Debian system
        try #require(FileManager.default.isExecutableFile(atPath: taskset), "\(taskset) is missing")
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let allowed = try #require(status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") })
        let firstCPU = try #require(
            allowed.dropFirst("Cpus_allowed_list:".count).split(whereSeparator: { !$0.isNumber }).first)
        // Blank: whatever GRUKIT_NUM_THREADS the tests run with does not decide the count here.
        let unset = ["GRUKIT_NUM_THREADS": ""]
        let result = try CommandRunner.run(
            ["bench", "--quick", "--json", "--cases", "S1"], launcher: [taskset, "-c", String(firstCPU)],
            environment: unset)
        #expect(result.exitCode == 0, "\(result.standardError)")
        let parsed = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
        let records = try #require(
            parsed as? [[String: Any]], "expected a JSON array of objects: \(result.standardOutput)")
        #expect(records.map { $0["threads"] as? Int } == [1])
        // The table says why, where the machine has more processors than that.
        let table = try CommandRunner.run(
            ["bench", "--quick", "--cases", "S1"], launcher: [taskset, "-c", String(firstCPU)], environment: unset)
        #expect(table.exitCode == 0, "\(table.standardError)")
        let processors = ProcessInfo.processInfo.activeProcessorCount
        #expect(table.standardOutput.contains("across 1 threads"), "\(table.standardOutput)")
        if processors > 1 {
            #expect(
                table.standardOutput.contains("may use 1 of the machine's \(processors) processors"),
                "\(table.standardOutput)")
        }
    }
    #endif

    /// GRUKIT_NUM_THREADS sets the thread count, and a value that is not one is refused
    /// before anything runs.
    @Test func threadCountFromTheEnvironment() throws {
        let records = try CommandRunner.run(
            ["bench", "--quick", "--json", "--cases", "S1,S2"], environment: ["GRUKIT_NUM_THREADS": "1"])
        #expect(records.exitCode == 0, "\(records.standardError)")
        let parsed = try JSONSerialization.jsonObject(with: Data(records.standardOutput.utf8)) as? [[String: Any]]
        #expect(parsed?.map { $0["threads"] as? Int } == [1, 1, 1], "\(records.standardOutput)")
        let table = try CommandRunner.run(
            ["bench", "--quick", "--cases", "S1"], environment: ["GRUKIT_NUM_THREADS": "1"])
        #expect(
            table.standardOutput.contains("across 1 threads (set by GRUKIT_NUM_THREADS)"), "\(table.standardOutput)")
        // More threads than cores are capped at the cores.
        let capped = try CommandRunner.run(
            ["bench", "--quick", "--json", "--cases", "S1"], environment: ["GRUKIT_NUM_THREADS": "16"])
        let cappedRecords = try JSONSerialization.jsonObject(with: Data(capped.standardOutput.utf8)) as? [[String: Any]]
        #expect(cappedRecords?.map { $0["threads"] as? Int } == [AvailableCores.count], "\(capped.standardOutput)")
        for bad in ["0", "17", "two"] {
            let result = try CommandRunner.run(
                ["bench", "--quick", "--cases", "S1"], environment: ["GRUKIT_NUM_THREADS": bad])
            #expect(result.exitCode == 1, "'\(bad)'")
            #expect(
                result.standardError == "error: GRUKIT_NUM_THREADS is '\(bad)'; expected a whole number from 1 to 16\n",
                "\(result.standardError)")
            #expect(result.standardOutput.isEmpty, "'\(bad)': \(result.standardOutput)")
        }
    }

    @Test func tableNamesTheBLASKernelsAndEveryCase() throws {
        let result = try CommandRunner.run(["bench", "--quick", "--cases", "S1,B2-T5-I4-H8"])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("BLAS: ") })
        #expect(lines.contains { $0.hasPrefix("kernel: ") && $0.contains("sgemm 1024^3: ") })
        #expect(lines.contains("GRUKit kernels: \(KernelReport.summary)"))
        #expect(lines.contains { $0.hasPrefix("S1 ") && $0.contains("forward") })
        #expect(lines.contains { $0.hasPrefix("B2-T5-I4-H8 ") && $0.contains("forward") })
    }

    @Test func unknownCaseIsOneLineError() throws {
        let result = try CommandRunner.run(["bench", "--quick", "--cases", "S1,S9"])
        #expect(result.exitCode == 1)
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(result.standardError.contains("'S9'"), "\(result.standardError)")
        #expect(result.standardOutput.isEmpty, "\(result.standardOutput)")
    }

    /// A case list that names nothing, or a shape larger than memory, fails before timing.
    @Test(arguments: [
        (",", "names no case"),
        ("B1-T1-I1-H3074457345618258603", "more memory than can be counted"),
        ("B100000-T100000-I100000-H100000", "GiB of memory; this machine has"),
        (
            "B0-T1-I1-H1",
            "unknown case 'B0-T1-I1-H1'; expected S1, S2, S3, S4, stream-H128, stream-H512 or a shape like B32-T25-I128-H256 (each size at least 1)"
        ),
    ])
    func casesThatCannotRunAreOneLineErrors(_ cases: String, _ fragment: String) throws {
        let result = try CommandRunner.run(["bench", "--quick", "--cases", cases])
        #expect(result.exitCode == 1)
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(result.standardError.contains(fragment), "\(result.standardError)")
    }
}
