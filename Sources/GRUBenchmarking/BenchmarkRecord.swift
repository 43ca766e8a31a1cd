/// One measured case, in the JSON schema that Benchmarks/compare.py merges with the competing
/// frameworks' records.
public struct BenchmarkRecord: Codable, Sendable {
    /// The framework measured: "GRUKit", "PyTorch", ...
    public var framework: String
    /// The framework's version.
    public var version: String
    /// The case's name, such as "S2" or "stream-H128".
    public var `case`: String
    /// "forward", "train" or "stream".
    public var mode: String
    /// The cell: "gru" or "lstm"; records without the key (before the LSTM) are the GRU's.
    public var cell: String
    /// A regularizer case's regularizer ("layer-norm", "zoneout", ...), nil for the plain layer.
    public var regularizer: String?
    /// The batch size B.
    public var batch: Int
    /// The sequence length T (steps per timed call for streaming).
    public var steps: Int
    /// The input size I.
    public var inputSize: Int
    /// The hidden size H.
    public var hiddenSize: Int
    /// Median time of one call in milliseconds (per step for streaming).
    public var medianMs: Double
    /// The fastest call in milliseconds (per step for streaming).
    public var minMs: Double
    /// The number of timed calls.
    public var repeats: Int
    /// The threads the framework ran on.
    public var threads: Int
    /// Billions of floating-point operations a second at the median time.
    public var gflops: Double
    /// Sequence steps (B x T) a second at the median time.
    public var sequenceStepsPerS: Double
    /// The extra peak resident memory of one training step, in MB; nil when not measured.
    public var peakMemoryMb: Double?
    /// The machine's sgemm (1024^3 through GRUKit's BLAS, all cores) measured in the same run,
    /// the ceiling the large forward case is judged against; GRUKit's records only.
    public var sgemmGflops: Double?
    /// GRUKit's own kernels on this processor (`KernelReport.summary`); GRUKit's records only.
    public var kernels: String?
    /// The weights' precision: "float32" (also for records without the key), "bf16", "int8",
    /// or "int8-dynamic" for PyTorch's `quantize_dynamic`.
    public var precision: String
    /// MiB of the weights the timed calls read (W_ih and W_hh at `precision`); nil when not known.
    public var weightMb: Double?

    enum CodingKeys: String, CodingKey {
        case framework, version, `case`, mode, cell, regularizer, batch, steps, repeats, threads, gflops
        case inputSize = "input_size"
        case hiddenSize = "hidden_size"
        case medianMs = "median_ms"
        case minMs = "min_ms"
        case sequenceStepsPerS = "sequence_steps_per_s"
        case peakMemoryMb = "peak_memory_mb"
        case sgemmGflops = "sgemm_gflops"
        case kernels, precision
        case weightMb = "weight_mb"
    }

    /// Reads a record; one without `cell` (written before the LSTM) is the GRU's.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        framework = try container.decode(String.self, forKey: .framework)
        version = try container.decode(String.self, forKey: .version)
        self.case = try container.decode(String.self, forKey: .case)
        mode = try container.decode(String.self, forKey: .mode)
        cell = try container.decodeIfPresent(String.self, forKey: .cell) ?? BenchmarkCase.Cell.gru.rawValue
        regularizer = try container.decodeIfPresent(String.self, forKey: .regularizer)
        batch = try container.decode(Int.self, forKey: .batch)
        steps = try container.decode(Int.self, forKey: .steps)
        inputSize = try container.decode(Int.self, forKey: .inputSize)
        hiddenSize = try container.decode(Int.self, forKey: .hiddenSize)
        medianMs = try container.decode(Double.self, forKey: .medianMs)
        minMs = try container.decode(Double.self, forKey: .minMs)
        repeats = try container.decode(Int.self, forKey: .repeats)
        threads = try container.decode(Int.self, forKey: .threads)
        gflops = try container.decode(Double.self, forKey: .gflops)
        sequenceStepsPerS = try container.decode(Double.self, forKey: .sequenceStepsPerS)
        peakMemoryMb = try container.decodeIfPresent(Double.self, forKey: .peakMemoryMb)
        sgemmGflops = try container.decodeIfPresent(Double.self, forKey: .sgemmGflops)
        kernels = try container.decodeIfPresent(String.self, forKey: .kernels)
        precision = try container.decodeIfPresent(String.self, forKey: .precision) ?? "float32"
        weightMb = try container.decodeIfPresent(Double.self, forKey: .weightMb)
    }

    /// Writes every key, `peak_memory_mb` as null when it was not measured, as the schema asks.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(framework, forKey: .framework)
        try container.encode(version, forKey: .version)
        try container.encode(self.case, forKey: .case)
        try container.encode(mode, forKey: .mode)
        try container.encode(cell, forKey: .cell)
        try container.encodeIfPresent(regularizer, forKey: .regularizer)
        try container.encode(batch, forKey: .batch)
        try container.encode(steps, forKey: .steps)
        try container.encode(inputSize, forKey: .inputSize)
        try container.encode(hiddenSize, forKey: .hiddenSize)
        try container.encode(medianMs, forKey: .medianMs)
        try container.encode(minMs, forKey: .minMs)
        try container.encode(repeats, forKey: .repeats)
        try container.encode(threads, forKey: .threads)
        try container.encode(gflops, forKey: .gflops)
        try container.encode(sequenceStepsPerS, forKey: .sequenceStepsPerS)
        try container.encode(peakMemoryMb, forKey: .peakMemoryMb)
        try container.encodeIfPresent(sgemmGflops, forKey: .sgemmGflops)
        try container.encodeIfPresent(kernels, forKey: .kernels)
        try container.encode(precision, forKey: .precision)
        try container.encodeIfPresent(weightMb, forKey: .weightMb)
    }

    /// A record of `benchmarkCase` from its sorted timings in seconds (per step for streaming).
    public init(_ benchmarkCase: BenchmarkCase, sortedSeconds: [Double], threads: Int, version: String) {
        let median = sortedSeconds[sortedSeconds.count / 2]
        let isStream = benchmarkCase.mode == .stream
        framework = "gruKit"
        self.version = version
        self.case = benchmarkCase.name
        mode = benchmarkCase.mode.rawValue
        cell = benchmarkCase.cell.rawValue
        regularizer = benchmarkCase.regularizer?.rawValue
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
        sgemmGflops = nil
        kernels = nil
        precision = benchmarkCase.precision.rawValue
        weightMb = nil
    }
}
