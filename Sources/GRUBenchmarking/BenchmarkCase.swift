import GRUTensor

/// One standard benchmark shape: time-major, one layer, reset-after, float32.
public struct BenchmarkCase: Equatable, Sendable {
    /// What is timed.
    public enum Mode: String, Sendable, Codable {
        /// A whole-sequence inference forward pass.
        case forward
        /// Forward plus full BPTT, gradients of every weight and of the input.
        case train
        /// One sequence (B = 1) one step at a time with the state carried, through
        /// `GRUInferenceSession.step`; timed per step.
        case stream
    }

    /// The case's name: S1...S4, stream-H128, stream-H512.
    public let name: String
    /// What is timed.
    public let mode: Mode
    /// B.
    public let batch: Int
    /// T; for streaming, the number of consecutive single steps one timed call runs (the
    /// record reports per step).
    public let steps: Int
    /// I.
    public let inputSize: Int
    /// H.
    public let hiddenSize: Int

    /// A case of the given shape.
    public init(name: String, mode: Mode, batch: Int, steps: Int, inputSize: Int, hiddenSize: Int) {
        self.name = name
        self.mode = mode
        self.batch = batch
        self.steps = steps
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
    }

    /// Floating-point operations of one reported unit: 2 * 3 * (I*H + H*H) per step and
    /// sequence for a forward call, three times that for training, one step for streaming.
    public var floatingPointOperations: Double {
        let perStep = 2.0 * 3 * Double(inputSize * hiddenSize + hiddenSize * hiddenSize) * Double(batch)
        switch mode {
        case .forward: return perStep * Double(steps)
        case .train: return 3 * perStep * Double(steps)
        case .stream: return perStep
        }
    }

    /// About how many bytes measuring the case holds at once, or nil when that is too large to
    /// count: the weights three times (the values, their gradients, the packed copies) and, per
    /// step and sequence, the input, its gradient and 16 H of states, gates, projections and
    /// their gradients (training's caches; a forward call holds less).
    public var estimatedBytes: Int? {
        typealias Checked = CheckedArithmetic
        let h = hiddenSize, i = inputSize
        let rows = mode == .stream ? batch : Checked.product(batch, steps)
        let weights = Checked.product(18, h, Checked.sum(i, h))
        let perRow = Checked.sum(Checked.product(2, i), Checked.product(16, h))
        return Checked.product(4, Checked.sum(weights, Checked.product(rows, perRow)))
    }

    /// A case with the given streaming length (steps per timed call).
    public func streaming(steps: Int) -> BenchmarkCase {
        BenchmarkCase(name: name, mode: mode, batch: batch, steps: steps, inputSize: inputSize, hiddenSize: hiddenSize)
    }

    /// A forward case named by its shape, `B32-T25-I128-H256`, as the scaling sweep names them;
    /// nil for any other name.
    public init?(shapeName: String) {
        let parts = shapeName.split(separator: "-")
        guard parts.count == 4 else { return nil }
        var values: [Int] = []
        for (part, letter) in zip(parts, ["B", "T", "I", "H"]) {
            guard part.first.map(String.init) == letter, let value = Int(part.dropFirst()), value > 0 else {
                return nil
            }
            values.append(value)
        }
        self.init(
            name: shapeName, mode: .forward, batch: values[0], steps: values[1],
            inputSize: values[2], hiddenSize: values[3])
    }

    /// The standard cases of the speed issue, in order.
    public static let standard: [BenchmarkCase] = [
        BenchmarkCase(name: "S1", mode: .forward, batch: 1, steps: 100, inputSize: 64, hiddenSize: 128),
        BenchmarkCase(name: "S2", mode: .forward, batch: 32, steps: 100, inputSize: 128, hiddenSize: 256),
        BenchmarkCase(name: "S3", mode: .forward, batch: 64, steps: 200, inputSize: 256, hiddenSize: 512),
        BenchmarkCase(name: "S4", mode: .forward, batch: 128, steps: 50, inputSize: 512, hiddenSize: 1024),
        BenchmarkCase(name: "S2", mode: .train, batch: 32, steps: 100, inputSize: 128, hiddenSize: 256),
        BenchmarkCase(name: "S3", mode: .train, batch: 64, steps: 200, inputSize: 256, hiddenSize: 512),
        BenchmarkCase(name: "stream-H128", mode: .stream, batch: 1, steps: 1000, inputSize: 64, hiddenSize: 128),
        BenchmarkCase(name: "stream-H512", mode: .stream, batch: 1, steps: 1000, inputSize: 256, hiddenSize: 512),
    ]
}
