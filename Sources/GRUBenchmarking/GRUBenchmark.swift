import Foundation
import GRUNetworks
import GRUTensor

/// Times GRUKit on the standard benchmark cases: median of repeated calls after warm-up.
public enum GRUBenchmark {
    /// GRUKit's version, reported in benchmark records.
    public static let version = "0.1.0"

    /// Measures one case.
    ///
    /// - Parameters:
    ///   - repeats: timed calls (timed steps for streaming).
    ///   - warmups: untimed calls first, so caches, pages and BLAS threads are warm.
    public static func measure(_ benchmarkCase: BenchmarkCase, repeats: Int, warmups: Int = 2) throws -> BenchmarkRecord
    {
        let workload = try Workload(benchmarkCase)
        for _ in 0..<warmups { try workload.run() }
        var seconds: [Double] = []
        seconds.reserveCapacity(repeats)
        // A streaming call runs `steps` single steps; the record is per step.
        let unitsPerCall = benchmarkCase.mode == .stream ? Double(benchmarkCase.steps) : 1
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try workload.run()
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / unitsPerCall)
        }
        var record = BenchmarkRecord(
            benchmarkCase, sortedSeconds: seconds.sorted(), threads: Matmul.threadCount, version: version)
        if benchmarkCase.cell == .gru, benchmarkCase.mode != .train {
            let weights = 3 * benchmarkCase.hiddenSize * (benchmarkCase.inputSize + benchmarkCase.hiddenSize)
            record.weightMb = Double(weights * benchmarkCase.precision.bytesPerWeight) / 1_048_576
        }
        return record
    }

    /// The extra peak resident memory of one call of `benchmarkCase`, in MiB, as
    /// Benchmarks/harness.py defines it for every framework: the peak resident set during one
    /// full-size call minus the resident set just before it, after one call on a tiny input
    /// (B = 1, T = 2) so start-up costs are not charged. On Linux the peak is VmHWM after
    /// resetting it through /proc/self/clear_refs; elsewhere the increase of ru_maxrss.
    public static func peakMemoryOfOneCall(_ benchmarkCase: BenchmarkCase) throws -> Double {
        let tiny = BenchmarkCase(
            name: "tiny", mode: benchmarkCase.mode, batch: 1, steps: 2,
            inputSize: benchmarkCase.inputSize, hiddenSize: benchmarkCase.hiddenSize, cell: benchmarkCase.cell,
            regularizer: benchmarkCase.regularizer)
        try Workload(tiny).run()
        let workload = try Workload(benchmarkCase)
        if resetPeakResidentSet(), let before = processStatusKilobytes("VmRSS") {
            try workload.run()
            let after = processStatusKilobytes("VmHWM") ?? before
            return Double(after - before) / 1024
        }
        let before = peakResidentKilobytes()
        try workload.run()
        return Double(peakResidentKilobytes() - before) / 1024
    }

    /// Resets Linux's VmHWM to the current resident set; false where that is not possible.
    private static func resetPeakResidentSet() -> Bool {
        (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil
    }

    /// A field of /proc/self/status in KiB, such as VmRSS or VmHWM.
    private static func processStatusKilobytes(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(
                line.split(separator: " ").dropFirst().first { !$0.isEmpty }?.trimmingCharacters(in: .whitespaces) ?? ""
            )
        }
        return nil
    }

    /// Single-precision GEMM speed of the BLAS library on square matrices, in GFLOP/s.
    public static func measureSgemm(size: Int = 1024, repeats: Int = 5) -> Double {
        var generator = SeededGenerator(seed: 1)
        let a = (0..<(size * size)).map { _ in generator.uniform(-1, 1) }
        let b = (0..<(size * size)).map { _ in generator.uniform(-1, 1) }
        var c = [Float](repeating: 0, count: size * size)
        var best = Double.infinity
        for _ in 0..<(repeats + 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            c.withUnsafeMutableBufferPointer {
                Matmul.gemm(
                    transposeA: false, transposeB: false, m: size, n: size, k: size,
                    a: a, lda: size, b: b, ldb: size, beta: 0, c: $0.baseAddress!, ldc: size)
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * pow(Double(size), 3) / best / 1e9
    }

    private static func peakResidentKilobytes() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss  // KiB on Linux
        #else
        getrusage(RUSAGE_SELF, &usage)
        return usage.ru_maxrss / 1024  // bytes on Apple platforms
        #endif
    }
}

/// The model, inputs and buffers of one case, built before timing starts; `run` is one timed
/// call.
private struct Workload {
    let run: () throws -> Void

    init(_ benchmarkCase: BenchmarkCase) throws {
        guard benchmarkCase.mode != .stream || benchmarkCase.batch == 1 else {
            throw GRUInputError(
                .setting(benchmarkCase.name), found: "B = \(benchmarkCase.batch)",
                expected: "B = 1: streaming cases step one sequence")
        }
        let inputs = WorkloadInputs(benchmarkCase)
        let (input, hidden) = (benchmarkCase.inputSize, benchmarkCase.hiddenSize)
        switch (benchmarkCase.cell, benchmarkCase.mode, benchmarkCase.regularizer) {
        case (_, .train, .layerNorm?):
            let layer = LayerNormGRULayer(LayerNormGRUConfiguration(inputSize: input, hiddenSize: hidden))
            run = Self.trainingStep(layer, inputs: inputs, dropout: nil)
        case (.gru, .train, let regularizer):
            let layer = GRULayer(GRUConfiguration(inputSize: input, hiddenSize: hidden, variant: .resetAfter))
            run = Self.trainingStep(layer, inputs: inputs, dropout: regularizer.map(Self.dropout))
        case (.lstm, .train, let regularizer):
            let layer = LSTMLayer(LSTMConfiguration(inputSize: input, hiddenSize: hidden))
            run = Self.trainingStep(layer, inputs: inputs, dropout: regularizer.map(Self.dropout))
        case (.gru, let mode, _):
            let configuration = GRUConfiguration(inputSize: input, hiddenSize: hidden, variant: .resetAfter)
            let session = GRUInferenceSession(
                GRU(configuration: configuration, initialization: .pytorch, seed: 1),
                precision: benchmarkCase.precision)
            if mode == .forward {
                run = { _ = try session.run(inputs.sequence) }
            } else {
                var state = [Float](repeating: 0, count: hidden)
                run = {
                    for step in 0..<benchmarkCase.steps {
                        try session.step(inputs.stepInputs[step % inputs.stepInputs.count], state: &state)
                    }
                }
            }
        case (.lstm, let mode, _):
            let layer = LSTMLayer(LSTMConfiguration(inputSize: input, hiddenSize: hidden))
            let session = try Self.initialWeights(of: layer).withUnsafeBufferPointer {
                try LSTMInferenceSession(layer, weights: $0)
            }
            if mode == .forward {
                run = { _ = try session.run(inputs.sequence) }
            } else {
                var state = [Float](repeating: 0, count: hidden), cellState = state
                run = {
                    for step in 0..<benchmarkCase.steps {
                        try session.step(
                            inputs.stepInputs[step % inputs.stepInputs.count], state: &state, cellState: &cellState)
                    }
                }
            }
        }
    }

    /// One training step of `layer`: forward, backward with every weight, bias and input
    /// gradient (into a fresh gradient buffer, as `GRU.backward` makes), no optimizer step.
    private static func trainingStep<Cell>(
        _ layer: RecurrentLayer<Cell>, inputs: WorkloadInputs, dropout: GRUDropout?
    ) -> () throws -> Void {
        let weights = initialWeights(of: layer)
        return {
            try weights.withUnsafeBufferPointer { weights in
                let result = try layer.forward(inputs.sequence, weights: weights, dropout: dropout)
                var gradients = [Float](repeating: 0, count: layer.layout.count)
                _ = try gradients.withUnsafeMutableBufferPointer {
                    try layer.backward(result, outputGradient: inputs.outputGradient, weights: weights, gradients: $0)
                }
            }
        }
    }

    /// PyTorch's initialization of `layer`'s parameters, seed 1.
    private static func initialWeights<Cell>(of layer: RecurrentLayer<Cell>) -> [Float] {
        var weights = [Float](repeating: 0, count: layer.layout.count)
        var generator = SeededGenerator(seed: 1)
        weights.withUnsafeMutableBufferPointer { layer.initialize($0, using: &generator, as: .pytorch) }
        return weights
    }

    /// The training-time dropout of a regularizer case (layer norm is a cell, not dropout).
    private static func dropout(_ regularizer: BenchmarkCase.Regularizer) -> GRUDropout {
        let rate = regularizer.rate ?? 0
        switch regularizer {
        case .layerNorm: return GRUDropout(seed: 3)
        case .zoneout: return GRUDropout(zoneout: rate, seed: 3)
        case .weightDrop: return GRUDropout(weightDrop: rate, seed: 3)
        case .recurrentDropout: return GRUDropout(recurrent: rate, seed: 3)
        }
    }
}

/// A case's inputs: the sequence (T, B, I), dL/d output (T, B, H) of loss = the outputs' sum
/// over T * B, and for streaming 16 single-step inputs (I values each), cycled through.
private struct WorkloadInputs {
    let sequence: Tensor
    let outputGradient: Tensor
    let stepInputs: [[Float]]

    init(_ benchmarkCase: BenchmarkCase) {
        var generator = SeededGenerator(seed: 2)
        let batch = benchmarkCase.batch, inputSize = benchmarkCase.inputSize
        let steps = benchmarkCase.mode == .stream ? 1 : benchmarkCase.steps
        sequence = Tensor(
            shape: [steps, batch, inputSize],
            scalars: (0..<(steps * batch * inputSize)).map { _ in generator.uniform(-1, 1) })
        outputGradient = Tensor(
            shape: [steps, batch, benchmarkCase.hiddenSize], repeating: 1 / Float(steps * batch))
        stepInputs = (0..<(benchmarkCase.mode == .stream ? 16 : 0)).map { _ in
            (0..<inputSize).map { _ in generator.uniform(-1, 1) }
        }
    }
}
