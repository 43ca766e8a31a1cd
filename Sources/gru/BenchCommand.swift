import ArgumentParser
import Foundation
import GRUKit

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time GRUKit on the standard shapes: inference forward, training step and streaming.",
        discussion: """
            Time-major, one layer, reset-after, float32. Medians of repeated calls after warm-up; \
            GFLOP/s counts 2 * 3 * (I*H + H*H) per step and sequence (training: 3x). \
            Benchmarks/compare.py runs this beside onnxruntime, PyTorch and Keras.
            """
    )

    @Option(
        help:
            "Comma-separated case names (S1,S2,S3,S4,stream-H128,stream-H512, or forward shapes such as B32-T25-I128-H256). Default: all standard cases."
    )
    var cases: String?

    @Flag(help: "A smoke test: 3 timed calls after 1 warm-up, 100-step streams.")
    var quick = false

    @Option(help: "Timed calls per case. Default: by case size.")
    var repeats: Int?

    @Flag(
        help:
            "Also measure each training step's extra peak memory, in a fresh process per case (training cases only; forward and streaming records leave it null)."
    )
    var memory = false

    @Flag(help: "Print the records as a JSON array instead of a table.")
    var json = false

    @Option(help: .hidden) var measureMemoryOf: String?

    func validate() throws {
        if let repeats, !(1...1_000_000).contains(repeats) {
            throw ValidationError("--repeats must be in 1...1000000, got \(repeats)")
        }
    }

    func run() throws {
        try reportingErrors {
            if let probe = measureMemoryOf {
                guard
                    let benchmarkCase = BenchmarkCase.standard.first(where: {
                        "\($0.name):\($0.mode.rawValue)" == probe
                    })
                else {
                    throw ValidationError("unknown case \(probe)")
                }
                print(try GRUBenchmark.peakMemoryOfOneCall(benchmarkCase))
                return
            }
            let selected = try selectedCases()
            let sgemm = GRUBenchmark.measureSgemm()
            if !json {
                print("BLAS: \(BLASLibrary.configuration)")
                print(
                    "kernel: \(BLASLibrary.coreName); BLAS single-threaded, GRUKit splits work across \(Matmul.threadCount) threads\(threadCountReason()); sgemm 1024^3: \(format(sgemm)) GFLOP/s"
                )
                print("GRUKit kernels: \(KernelReport.summary)")
                print("case         mode     B    T     I     H    median ms   GFLOP/s   steps/s")
            }
            var records: [BenchmarkRecord] = []
            for benchmarkCase in selected {
                var record = try GRUBenchmark.measure(
                    benchmarkCase, repeats: repeats ?? (quick ? 3 : defaultRepeats(benchmarkCase)),
                    warmups: quick ? 1 : 2)
                record.sgemmGflops = sgemm
                record.kernels = KernelReport.summary
                if memory && benchmarkCase.mode == .train {
                    record.peakMemoryMb = try measureInFreshProcess(benchmarkCase)
                }
                records.append(record)
                if !json { printRow(record) }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(records), as: UTF8.self))
            }
        }
    }

    /// Why the thread count is not the machine's processor count, in parentheses, or nothing.
    private func threadCountReason() -> String {
        let cores = AvailableCores.count, processors = ProcessInfo.processInfo.activeProcessorCount
        if let requested = ThreadCountSetting.requested {
            if requested == Matmul.threadCount { return " (set by \(ThreadCountSetting.variable))" }
            return " (\(ThreadCountSetting.variable)=\(requested), at most the \(cores) cores this process may use)"
        }
        return cores < processors ? " (this process may use \(cores) of the machine's \(processors) processors)" : ""
    }

    private func selectedCases() throws -> [BenchmarkCase] {
        guard let cases else { return BenchmarkCase.standard.map(adjusted) }
        var selected: [BenchmarkCase] = []
        for name in cases.split(separator: ",").map(String.init) {
            let standard = BenchmarkCase.standard.filter { $0.name == name }
            if !standard.isEmpty {
                selected += standard.map(adjusted)
            } else if let shape = BenchmarkCase(shapeName: name) {
                try checkFitsInMemory(bytes: shape.estimatedBytes, "case \(name)")
                selected.append(shape)
            } else {
                throw ValidationError(
                    "unknown case '\(name)'; expected S1, S2, S3, S4, stream-H128, stream-H512 or a shape like B32-T25-I128-H256 (each size at least 1)"
                )
            }
        }
        guard !selected.isEmpty else {
            throw ValidationError(
                "--cases '\(cases)' names no case; expected names such as S1,stream-H128 or B32-T25-I128-H256")
        }
        return selected
    }

    /// Quick runs stream 100 steps per call instead of 1000.
    private func adjusted(_ benchmarkCase: BenchmarkCase) -> BenchmarkCase {
        quick && benchmarkCase.mode == .stream ? benchmarkCase.streaming(steps: 100) : benchmarkCase
    }

    private func defaultRepeats(_ benchmarkCase: BenchmarkCase) -> Int {
        switch benchmarkCase.mode {
        case .stream: return 20
        case .forward, .train:
            let flops = benchmarkCase.floatingPointOperations
            return flops < 1e9 ? 50 : flops < 2e10 ? 15 : 7
        }
    }

    private func measureInFreshProcess(_ benchmarkCase: BenchmarkCase) throws -> Double? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["bench", "--measure-memory-of", "\(benchmarkCase.name):\(benchmarkCase.mode.rawValue)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func printRow(_ r: BenchmarkRecord) {
        let shape = [r.batch, r.steps, r.inputSize, r.hiddenSize].map { String($0).leftPadded(to: 5) }.joined(
            separator: " ")
        var line =
            "\(r.case.padding(toLength: 12, withPad: " ", startingAt: 0)) \(r.mode.padding(toLength: 7, withPad: " ", startingAt: 0)) \(shape)"
        line +=
            "  \(format(r.medianMs).leftPadded(to: 10))  \(format(r.gflops).leftPadded(to: 8))  \(String(Int(r.sequenceStepsPerS)).leftPadded(to: 8))"
        if let memory = r.peakMemoryMb { line += "  peak +\(format(memory)) MB" }
        print(line)
    }

    private func format(_ value: Double) -> String {
        String(format: value < 10 ? "%.3f" : "%.1f", value)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
