import GRUTensor

/// Inverted dropout: in training each element is zeroed with probability p and the survivors
/// are scaled by 1/(1 - p), so that the expected output equals the input; at inference it is
/// the identity.
///
/// A mask may be shorter than the input and is then repeated: element i uses mask[i % M]. A
/// (B, F) mask over a time-major (T, B, F) input drops the same features at every step, as
/// Keras's GRU `dropout` and variational dropout (Gal & Ghahramani 2016) do.
public struct Dropout: Equatable, Hashable, Codable, Sendable {
    /// The probability p of zeroing an element, in [0, 1].
    public let rate: Float

    /// Dropout with probability `rate` in [0, 1].
    public init(rate: Float) {
        precondition((0...1).contains(rate), "Dropout rate \(rate) is outside [0, 1]")
        self.rate = rate
    }

    /// A fresh mask of `count` elements, each 0 with probability p and 1/(1 - p) otherwise
    /// (all 0 when p = 1).
    public func makeMask(count: Int, using generator: inout SeededGenerator) -> [Float] {
        let kept: Float = rate < 1 ? 1 / (1 - rate) : 0
        return (0..<count).map { _ in generator.uniform(0, 1) < rate ? 0 : kept }
    }

    // MARK: - Forward

    /// Dropout with a fresh mask when training, the identity otherwise.
    ///
    /// - Parameters:
    ///   - input: any shape.
    ///   - isTraining: whether to drop; at inference the output is the input and the mask nil.
    ///   - generator: draws the mask, one sample per element; untouched at inference or p = 0.
    /// - Returns: the output and the mask (input-sized), which backward needs.
    public func forward(
        _ input: Tensor, isTraining: Bool, using generator: inout SeededGenerator
    ) -> ForwardResult {
        guard isTraining, rate > 0 else { return ForwardResult(output: input, mask: nil) }
        return forward(input, mask: makeMask(count: input.count, using: &generator))
    }

    /// The input times a given mask, repeated over the input (element i uses mask[i % M]).
    ///
    /// - Parameters:
    ///   - input: any shape whose count is a multiple of the mask's.
    ///   - mask: from `makeMask`, or nil for the identity.
    public func forward(_ input: Tensor, mask: [Float]?) -> ForwardResult {
        guard let mask else { return ForwardResult(output: input, mask: nil) }
        return ForwardResult(output: Self.apply(mask, to: input), mask: mask)
    }

    /// What `Dropout.forward` returns.
    public struct ForwardResult: Sendable {
        /// The input's shape.
        public let output: Tensor
        /// The mask applied (0 or 1/(1 - p)), or nil when the output is the input.
        public let mask: [Float]?
    }

    // MARK: - Backward

    /// dL/d input = dL/d output * mask (the output gradient itself when there was no mask).
    public func backward(_ result: ForwardResult, outputGradient: Tensor) -> Tensor {
        precondition(
            outputGradient.shape == result.output.shape,
            "Dropout output gradient has shape \(outputGradient.shape); expected \(result.output.shape)")
        guard let mask = result.mask else { return outputGradient }
        return Self.apply(mask, to: outputGradient)
    }

    /// `tensor` times `mask` repeated over it.
    private static func apply(_ mask: [Float], to tensor: Tensor) -> Tensor {
        precondition(
            mask.isEmpty ? tensor.count == 0 : tensor.count % mask.count == 0,
            "Dropout mask of \(mask.count) elements does not tile a tensor of shape \(tensor.shape)")
        var scalars = tensor.scalars
        scalars.withUnsafeMutableBufferPointer { values in
            mask.withUnsafeBufferPointer { m in
                for start in stride(from: 0, to: values.count, by: m.count) {
                    for j in 0..<m.count { values[start + j] *= m[j] }
                }
            }
        }
        return Tensor(shape: tensor.shape, scalars: scalars)
    }
}
