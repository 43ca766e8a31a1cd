import GRUTensor

/// One benchmark case: a shape, what is timed, the cell, a regularizer and the precision of the
/// weights; time-major, one layer (the GRU reset-after).
public struct BenchmarkCase: Equatable, Sendable {
    /// The recurrent cell measured.
    public enum Cell: String, Sendable, Codable, CaseIterable {
        /// `GRULayer` (reset-after), `GRUInferenceSession` for forward and streaming.
        case gru
        /// `LSTMLayer`, `LSTMInferenceSession` for forward and streaming.
        case lstm

        /// The cell's gate blocks, the G of its FLOP count: 3 for the GRU, 4 for the LSTM.
        public var gateCount: Int { self == .lstm ? 4 : 3 }
    }

    /// What a regularizer case adds to the plain training step (the target: at most
    /// 1.3 times the plain step of the same cell).
    public enum Regularizer: String, Sendable, Codable, CaseIterable {
        /// The layer-normalized GRU (`LayerNormGRULayer`) instead of the GRU; GRU only.
        case layerNorm = "layer-norm"
        /// Zoneout 0.1 (`GRUDropout.zoneout`).
        case zoneout
        /// Weight-drop 0.5 on W_hh (`GRUDropout.weightDrop`).
        case weightDrop = "weight-drop"
        /// Recurrent dropout 0.25 (`GRUDropout.recurrent`).
        case recurrentDropout = "recurrent-dropout"

        /// The probability the regularizer runs at; nil for the layer-norm GRU.
        public var rate: Float? {
            switch self {
            case .layerNorm: return nil
            case .zoneout: return 0.1
            case .weightDrop: return 0.5
            case .recurrentDropout: return 0.25
            }
        }

        /// Whether `cell` has this regularizer.
        public func applies(to cell: Cell) -> Bool { self != .layerNorm || cell == .gru }
    }

    /// What is timed.
    public enum Mode: String, Sendable, Codable {
        /// A whole-sequence inference forward pass.
        case forward
        /// Forward plus full BPTT, gradients of every weight and of the input.
        case train
        /// One sequence (B = 1) one step at a time with the state carried, through
        /// `GRUInferenceSession.step` or `LSTMInferenceSession.step`; timed per step.
        case stream
    }

    /// The case's name: S1...S4, stream-H128, stream-H512, or S2-zoneout and the like for a
    /// regularizer case.
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
    /// The cell.
    public let cell: Cell
    /// The regularizer of a training case, or nil for the plain layer.
    public let regularizer: Regularizer?
    /// The weights' precision: float32, or bf16 or int8 for the GRU's forward and stream cases.
    public let precision: InferencePrecision

    /// A case of the given shape, the GRU's unless told otherwise.
    public init(
        name: String, mode: Mode, batch: Int, steps: Int, inputSize: Int, hiddenSize: Int, cell: Cell = .gru,
        regularizer: Regularizer? = nil, precision: InferencePrecision = .float32
    ) {
        precondition(regularizer == nil || mode == .train, "a regularizer case is a training step")
        precondition(
            precision == .float32 || (cell == .gru && mode != .train), "low precision is the GRU's inference only")
        self.precision = precision
        self.name = name
        self.mode = mode
        self.batch = batch
        self.steps = steps
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.cell = cell
        self.regularizer = regularizer
    }

    /// Floating-point operations of one reported unit: 2 * G * (I*H + H*H) per step and
    /// sequence for a forward call (G = 3 gates for the GRU, 4 for the LSTM), three times that
    /// for training, one step for streaming; a regularizer's own arithmetic is not counted.
    public var floatingPointOperations: Double {
        let gates = Double(cell.gateCount)
        let perStep = 2.0 * gates * Double(inputSize * hiddenSize + hiddenSize * hiddenSize) * Double(batch)
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
        let weights = Checked.product(6 * cell.gateCount, h, Checked.sum(i, h))
        let perRow = Checked.sum(Checked.product(2, i), Checked.product(16, h))
        return Checked.product(4, Checked.sum(weights, Checked.product(rows, perRow)))
    }

    /// A case with the given streaming length (steps per timed call).
    public func streaming(steps: Int) -> BenchmarkCase {
        BenchmarkCase(
            name: name, mode: mode, batch: batch, steps: steps, inputSize: inputSize, hiddenSize: hiddenSize,
            cell: cell, regularizer: regularizer, precision: precision)
    }

    /// The same GRU inference case with weights at `precision`.
    public func with(precision: InferencePrecision) -> BenchmarkCase {
        BenchmarkCase(
            name: name, mode: mode, batch: batch, steps: steps, inputSize: inputSize, hiddenSize: hiddenSize,
            cell: cell, regularizer: regularizer, precision: precision)
    }

    /// The same case of another cell.
    public func with(cell: Cell) -> BenchmarkCase {
        BenchmarkCase(
            name: name, mode: mode, batch: batch, steps: steps, inputSize: inputSize, hiddenSize: hiddenSize,
            cell: cell, regularizer: regularizer)
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

    /// The plain S2 training step, the yardstick of the regularizer cases.
    public static var plainTrainingStep: BenchmarkCase { standard.first { $0.name == "S2" && $0.mode == .train }! }

    /// The regularizer cases of `cell`: its S2 training step with each regularizer that
    /// applies to it, named S2-layer-norm, S2-zoneout, S2-weight-drop, S2-recurrent-dropout.
    public static func regularizerCases(of cell: Cell) -> [BenchmarkCase] {
        let plain = plainTrainingStep
        return Regularizer.allCases.filter { $0.applies(to: cell) }.map {
            BenchmarkCase(
                name: "\(plain.name)-\($0.rawValue)", mode: .train, batch: plain.batch, steps: plain.steps,
                inputSize: plain.inputSize, hiddenSize: plain.hiddenSize, cell: cell, regularizer: $0)
        }
    }
}
