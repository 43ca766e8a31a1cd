/// One measured case, in the JSON schema that Benchmarks/compare.py merges with the competing
/// frameworks' records.
public struct BenchmarkRecord: Codable, Sendable {
    public var framework: String
    public var version: String
    public var `case`: String
    public var mode: String
    public var batch: Int
    public var steps: Int
    public var inputSize: Int
    public var hiddenSize: Int
    /// Median time of one call in milliseconds (per step for streaming).
    public var medianMs: Double
    public var minMs: Double
    public var repeats: Int
    public var threads: Int
    public var gflops: Double
    public var sequenceStepsPerS: Double
    /// The extra peak resident memory of one training step, in MB; nil when not measured.
    public var peakMemoryMb: Double?

    enum CodingKeys: String, CodingKey {
        case framework, version, `case`, mode, batch, steps, repeats, threads, gflops
        case inputSize = "input_size", hiddenSize = "hidden_size", medianMs = "median_ms", minMs = "min_ms"
        case sequenceStepsPerS = "sequence_steps_per_s", peakMemoryMb = "peak_memory_mb"
    }

    /// A record of `benchmarkCase` from its sorted timings in seconds (per step for streaming).
    public init(_ benchmarkCase: BenchmarkCase, sortedSeconds: [Double], threads: Int, version: String) {
        let median = sortedSeconds[sortedSeconds.count / 2]
        let isStream = benchmarkCase.mode == .stream
        framework = "gruKit"
        self.version = version
        self.case = benchmarkCase.name
        mode = benchmarkCase.mode.rawValue
        batch = benchmarkCase.batch
        steps = isStream ? 1 : benchmarkCase.steps
        inputSize = benchmarkCase.inputSize
        hiddenSize = benchmarkCase.hiddenSize
        medianMs = median * 1000
        minMs = sortedSeconds[0] * 1000
        repeats = sortedSeconds.count
        self.threads = threads
        gflops = benchmarkCase.floatingPointOperations / median / 1e9
        sequenceStepsPerS = Double(steps * benchmarkCase.batch) / median
        peakMemoryMb = nil
    }
}
