import ArgumentParser
import Foundation
import GRUKit

extension BenchmarkCase.Cell: ExpressibleByArgument {}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time GRUKit on the standard shapes: inference forward, training step and streaming.",
        discussion: """
            Time-major, one layer, float32; the GRU reset-after. Medians of repeated calls after \
            warm-up; GFLOP/s counts 2 * G * (I*H + H*H) per step and sequence, G = 3 gates for the \
            GRU and 4 for the LSTM (training: 3x). --cell lstm times the LSTM on the same cases. \
            --regularizers adds the regularizer cases, S2's training step with the layer-norm GRU \
            (S2-layer-norm, GRU only), zoneout 0.1 (S2-zoneout), weight-drop 0.5 (S2-weight-drop) \
            and recurrent dropout 0.25 (S2-recurrent-dropout), each beside the plain S2 training \
            step and its ratio to it. Benchmarks/compare.py runs this beside onnxruntime, PyTorch \
            and Keras.
            """
    )

    @Option(
        help:
            "Comma-separated case names (S1,S2,S3,S4,stream-H128,stream-H512, the regularizer cases S2-layer-norm,S2-zoneout,S2-weight-drop,S2-recurrent-dropout, or forward shapes such as B32-T25-I128-H256). Default: all standard cases."
    )
    var cases: String?

    @Option(help: "The cell: gru or lstm.")
    var cell: BenchmarkCase.Cell = .gru

    @Flag(
        help:
            "Add the regularizer cases of the cell and the plain S2 training step they are compared with (alone: only those)."
    )
    var regularizers = false

    @Option(
        help: ArgumentHelp(
            "Weight precisions of the GRU's forward and stream cases, comma-separated: float32, bf16, int8.",
            discussion: "bf16 and int8 cases run beside the float32 ones; training cases stay float32."))
    var precision: String = "float32"

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
                    let benchmarkCase = knownCases.first(where: {
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
                print("cell: \(cell.rawValue)")
                print("case                  mode     B    T     I     H    median ms   GFLOP/s   steps/s")
            }
            var records: [BenchmarkRecord] = []
            for benchmarkCase in selected {
                var record = try GRUBenchmark.measure(
                    benchmarkCase, repeats: repeats ?? (quick ? 3 : defaultRepeats(benchmarkCase)),
                    warmups: quick ? 1 : 2)
                record.sgemmGflops = sgemm
                record.kernels =
                    benchmarkCase.precision == .float32
                    ? KernelReport.summary : QuantizedPanels.kernelName(of: benchmarkCase.precision)
                if memory && benchmarkCase.mode == .train {
                    record.peakMemoryMb = try measureInFreshProcess(benchmarkCase)
                }
                records.append(record)
                if !json { printRow(record, plain: records.first { $0.case == "S2" && $0.mode == "train" }) }
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

    /// The standard and regularizer cases of the cell.
    private var knownCases: [BenchmarkCase] {
        BenchmarkCase.standard.map { $0.with(cell: cell) } + BenchmarkCase.regularizerCases(of: cell)
    }

    private func selectedCases() throws -> [BenchmarkCase] {
        var selected: [BenchmarkCase] = []
        if let cases {
            for name in cases.split(separator: ",").map(String.init) {
                let known = knownCases.filter { $0.name == name }
                if !known.isEmpty {
                    selected += known.map(adjusted)
                } else if let shape = BenchmarkCase(shapeName: name) {
                    try checkFitsInMemory(bytes: shape.estimatedBytes, "case \(name)")
                    selected.append(shape.with(cell: cell))
                } else if name == "S2-layer-norm" {
                    throw ValidationError(
                        "case 'S2-layer-norm' is the layer-norm GRU's; it has no --cell \(cell.rawValue)")
                } else {
                    throw ValidationError(
                        "unknown case '\(name)'; expected S1, S2, S3, S4, stream-H128, stream-H512 or a shape like B32-T25-I128-H256 (each size at least 1), or a regularizer case such as S2-zoneout"
                    )
                }
            }
            guard !selected.isEmpty else {
                throw ValidationError(
                    "--cases '\(cases)' names no case; expected names such as S1,stream-H128 or B32-T25-I128-H256")
            }
        } else {
            selected = BenchmarkCase.standard.map { adjusted($0.with(cell: cell)) }
        }
        if regularizers {
            let plain = BenchmarkCase.plainTrainingStep.with(cell: cell)
            if !selected.contains(plain) { selected.append(plain) }
            selected += BenchmarkCase.regularizerCases(of: cell).filter { !selected.contains($0) }
        }
        let precisions = try selectedPrecisions()
        selected = selected.flatMap { benchmarkCase -> [BenchmarkCase] in
            guard benchmarkCase.cell == .gru, benchmarkCase.mode != .train else { return [benchmarkCase] }
            return precisions.map { benchmarkCase.with(precision: $0) }
        }
        // Regularizer cases last, so that the plain step they are compared with comes first.
        return selected.filter { $0.regularizer == nil } + selected.filter { $0.regularizer != nil }
    }

    /// The precisions of --precision, float32 first; the LSTM has only float32.
    private func selectedPrecisions() throws -> [InferencePrecision] {
        var precisions: [InferencePrecision] = []
        for name in precision.split(separator: ",", omittingEmptySubsequences: false) {
            let name = name.trimmingCharacters(in: .whitespaces)
            guard let value = InferencePrecision(rawValue: name) else {
                throw ValidationError(
                    "--precision '\(precision)' names '\(name)'; expected float32, bf16 or int8, comma-separated")
            }
            if !precisions.contains(value) { precisions.append(value) }
        }
        if cell == .lstm, precisions != [.float32] {
            throw ValidationError("--precision \(precision): the LSTM runs in float32 only; expected float32")
        }
        return InferencePrecision.allCases.filter { precisions.contains($0) }
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
        process.arguments = [
            "bench", "--cell", cell.rawValue, "--measure-memory-of",
            "\(benchmarkCase.name):\(benchmarkCase.mode.rawValue)",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// One record's row; a regularizer case's also shows its ratio to `plain`, the plain S2
    /// training step, when that was measured.
    private func printRow(_ r: BenchmarkRecord, plain: BenchmarkRecord?) {
        let shape = [r.batch, r.steps, r.inputSize, r.hiddenSize].map { String($0).leftPadded(to: 5) }.joined(
            separator: " ")
        let name = r.precision == "float32" ? r.case : "\(r.case) \(r.precision)"
        var line =
            "\(name.padding(toLength: 21, withPad: " ", startingAt: 0)) \(r.mode.padding(toLength: 7, withPad: " ", startingAt: 0)) \(shape)"
        line +=
            "  \(format(r.medianMs).leftPadded(to: 10))  \(format(r.gflops).leftPadded(to: 8))  \(String(Int(r.sequenceStepsPerS)).leftPadded(to: 8))"
        if let memory = r.peakMemoryMb { line += "  peak +\(format(memory)) MB" }
        if r.precision != "float32", let weights = r.weightMb { line += "  weights \(format(weights)) MB" }
        if r.regularizer != nil, let plain {
            line += "  " + String(format: "%.2fx", r.medianMs / plain.medianMs) + " the plain S2 train step"
        }
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
