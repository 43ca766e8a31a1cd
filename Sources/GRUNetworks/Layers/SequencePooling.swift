import GRUTensor

/// Reduces a batch of variable-length sequences of feature vectors to one vector per sequence,
/// looking only at each sequence's valid steps: the head of sequence classification.
///
/// Legend: T steps, B batch, F features, D directions, H = F / D. Sequence b is valid at
/// steps 0..<lengths[b].
/// - `lastState`: out[b] = x[lengths[b] - 1, b] for the forward direction's H features, and for
///   a bidirectional GRU's reverse direction (features H..<2H) x[0, b], where that direction
///   ends; that is the last layer's final states of both directions.
/// - `mean`: out[b] = (1 / lengths[b]) * sum over t < lengths[b] of x[t, b].
public struct SequencePooling: Equatable, Hashable, Codable, Sendable {
    /// Which summary of the valid steps to take.
    public enum Mode: String, CaseIterable, Codable, Sendable {
        /// The state where each direction ends.
        case lastState
        /// The mean over valid steps (masked mean).
        case mean
    }

    /// Which summary of the valid steps to take.
    public let mode: Mode
    /// D, the directions stacked along the features; 2 makes `lastState` read the second half
    /// of the features at step 0. `mean` ignores it.
    public let directionCount: Int

    /// A pooling of the given mode over D directions (1 or 2).
    public init(_ mode: Mode, directionCount: Int = 1) {
        precondition(directionCount == 1 || directionCount == 2, "directionCount is \(directionCount); expected 1 or 2")
        self.mode = mode
        self.directionCount = directionCount
    }

    // MARK: - Forward

    /// One vector per sequence.
    ///
    /// - Parameters:
    ///   - input: (T, B, F), or (B, T, F) for `.batchFirst`; F a multiple of D.
    ///   - lengths: B valid lengths in 1...T; all T when nil.
    ///   - layout: the layout of `input`.
    /// - Returns: the output (B, F) and what backward needs.
    /// - Throws: `GRUInputError` when the input is not rank 3 or a length is out of range.
    public func forward(
        _ input: Tensor, lengths: [Int]? = nil, layout: SequenceLayout = .timeMajor
    ) throws -> ForwardResult {
        guard input.rank == 3, input.shape[2] % directionCount == 0 else {
            throw GRUInputError(
                .tensor("pooling input"), found: "shape \(input.shape)",
                expected: "rank 3 with features a multiple of \(directionCount)")
        }
        let geometry = Geometry(shape: input.shape, layout: layout)
        let lengths = try InputChecks.validatedLengths(lengths, steps: geometry.steps, batch: geometry.batch)
        var output = [Float](repeating: 0, count: geometry.batch * geometry.features)  // (B, F)
        input.scalars.withUnsafeBufferPointer { x in
            forEachTerm(geometry, lengths) { inputIndex, outputIndex, width, weight in
                for j in 0..<width { output[outputIndex + j] += weight * x[inputIndex + j] }
            }
        }
        return ForwardResult(
            output: Tensor(shape: [geometry.batch, geometry.features], scalars: output),
            inputShape: input.shape, lengths: lengths, layout: layout)
    }

    /// What `SequencePooling.forward` returns.
    public struct ForwardResult: Sendable {
        /// (B, F).
        public let output: Tensor
        /// The input's shape, (T, B, F) or (B, T, F).
        public let inputShape: [Int]
        /// The valid lengths used.
        public let lengths: [Int]
        /// The input's layout.
        public let layout: SequenceLayout
    }

    // MARK: - Backward

    /// dL/d input: each output gradient spread back over the steps it summarized, with the same
    /// weights (1 for `lastState`, 1/lengths[b] for `mean`); zero at every other step.
    ///
    /// - Parameters:
    ///   - result: what `forward` returned.
    ///   - outputGradient: dL/d output, (B, F).
    /// - Returns: dL/d input, the input's shape and layout.
    public func backward(_ result: ForwardResult, outputGradient: Tensor) -> Tensor {
        precondition(
            outputGradient.shape == result.output.shape,
            "pooling output gradient has shape \(outputGradient.shape); expected \(result.output.shape)")
        let geometry = Geometry(shape: result.inputShape, layout: result.layout)
        var inputGradient = [Float](repeating: 0, count: result.inputShape.reduce(1, *))
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            forEachTerm(geometry, result.lengths) { inputIndex, outputIndex, width, weight in
                for j in 0..<width { inputGradient[inputIndex + j] += weight * dy[outputIndex + j] }
            }
        }
        return Tensor(shape: result.inputShape, scalars: inputGradient)
    }

    // MARK: - The terms of the sum

    /// Sizes and strides of a (T, B, F) or (B, T, F) tensor.
    private struct Geometry {
        let steps: Int, batch: Int, features: Int, layout: SequenceLayout

        init(shape: [Int], layout: SequenceLayout) {
            (steps, batch) = layout == .timeMajor ? (shape[0], shape[1]) : (shape[1], shape[0])
            features = shape[2]
            self.layout = layout
        }

        /// The index of x[t, b, 0].
        func index(step: Int, sequence: Int) -> Int {
            (layout == .timeMajor ? step * batch + sequence : sequence * steps + step) * features
        }
    }

    /// Calls `body(inputIndex, outputIndex, width, weight)` for every block of `width` features
    /// where out[outputIndex + j] takes weight * x[inputIndex + j]; forward and backward share it.
    private func forEachTerm(
        _ geometry: Geometry, _ lengths: [Int], _ body: (Int, Int, Int, Float) -> Void
    ) {
        let width = geometry.features / directionCount
        for b in 0..<geometry.batch {
            let outputIndex = b * geometry.features
            switch mode {
            case .lastState:
                for direction in 0..<directionCount {
                    let step = direction == 0 ? lengths[b] - 1 : 0
                    let offset = direction * width
                    body(geometry.index(step: step, sequence: b) + offset, outputIndex + offset, width, 1)
                }
            case .mean:
                let weight = 1 / Float(lengths[b])
                for step in 0..<lengths[b] {
                    body(geometry.index(step: step, sequence: b), outputIndex, geometry.features, weight)
                }
            }
        }
    }
}
