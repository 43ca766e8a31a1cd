import GRUTensor

/// A fully connected layer, y = x W^T + b, as PyTorch's `nn.Linear` and Keras's `Dense`.
///
/// Legend: N rows (every leading dimension of the input, such as T*B for a per-step head),
/// I input size, O output size. Parameters in slice order: `weight` (O, I), then `bias` (O)
/// when the layer has one.
public struct Linear: ParameterizedLayer, Equatable, Hashable, Codable {
    /// Features per input row, I.
    public let inputSize: Int
    /// Features per output row, O.
    public let outputSize: Int
    /// Whether the layer adds the bias vector b.
    public let hasBias: Bool

    /// A layer from I to O features; sizes must be positive.
    public init(inputSize: Int, outputSize: Int, hasBias: Bool = true) {
        precondition(
            inputSize > 0 && outputSize > 0,
            "Linear sizes must be positive: input \(inputSize), output \(outputSize)")
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.hasBias = hasBias
    }

    /// `weight` (O, I), then `bias` (O) when present.
    public var parameterSlots: [LayerParameterSlot] {
        let weight = LayerParameterSlot(name: "weight", shape: [outputSize, inputSize], offset: 0)
        guard hasBias else { return [weight] }
        return [weight, LayerParameterSlot(name: "bias", shape: [outputSize], offset: weight.count)]
    }

    /// Draws the weight, then the bias.
    ///
    /// `.pytorch`: W and b uniform in [-1/sqrt(I), 1/sqrt(I)] (kaiming-uniform with a = sqrt(5)).
    /// `.keras`: W Glorot-uniform in [-sqrt(6/(I+O)), sqrt(6/(I+O))], b zero.
    public func initialize(
        _ slice: UnsafeMutableBufferPointer<Float>, using generator: inout SeededGenerator,
        as scheme: GRUInitialization
    ) {
        precondition(
            slice.count == parameterCount, "Linear slice has \(slice.count) elements, expected \(parameterCount)")
        let slots = parameterSlots
        switch scheme {
        case .pytorch:
            let bound = 1 / Float(inputSize).squareRoot()
            for slot in slots { slice.fillUniform(slot.range, bound: bound, using: &generator) }
        case .keras:
            let bound = (6 / Float(inputSize + outputSize)).squareRoot()
            slice.fillUniform(slots[0].range, bound: bound, using: &generator)
            for slot in slots.dropFirst() { slice.fill(slot.range, with: 0) }
        }
    }

    // MARK: - Forward

    /// The layer applied to every row of `input`.
    ///
    /// - Parameters:
    ///   - input: (..., I); every leading dimension counts as rows, N = count / I.
    ///   - weights: this layer's slice of the parameter buffer.
    /// - Returns: the output (..., O) and the input, which backward needs.
    public func forward(_ input: Tensor, weights: UnsafeBufferPointer<Float>) -> ForwardResult {
        precondition(
            input.rank >= 1 && input.shape.last == inputSize,
            "Linear input has shape \(input.shape); expected (..., \(inputSize))")
        precondition(
            weights.count == parameterCount, "Linear slice has \(weights.count) elements, expected \(parameterCount)")
        let rows = input.count / inputSize
        var output = [Float](repeating: 0, count: rows * outputSize)  // (N, O)
        input.scalars.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                let w = weights.baseAddress!
                if hasBias {
                    let bias = w + outputSize * inputSize
                    for row in 0..<rows { (y.baseAddress! + row * outputSize).update(from: bias, count: outputSize) }
                }
                Matmul.gemm(
                    transposeA: false, transposeB: true, m: rows, n: outputSize, k: inputSize,
                    a: x.baseAddress!, lda: inputSize, b: w, ldb: inputSize,
                    beta: hasBias ? 1 : 0, c: y.baseAddress!, ldc: outputSize)
            }
        }
        return ForwardResult(
            output: Tensor(shape: input.shape.dropLast() + [outputSize], scalars: output), input: input)
    }

    /// What `Linear.forward` returns.
    public struct ForwardResult: Sendable {
        /// (..., O).
        public let output: Tensor
        /// (..., I), kept for the weight gradient.
        public let input: Tensor
    }

    // MARK: - Backward

    /// Accumulates dL/dW += dY^T X and dL/db += column sums of dY into `gradients`, and returns
    /// dL/dX = dY W.
    ///
    /// - Parameters:
    ///   - result: what `forward` returned.
    ///   - outputGradient: dL/dY, the output's shape.
    ///   - weights: the slice `forward` used.
    ///   - gradients: this layer's slice of the gradient buffer; added to, never overwritten.
    /// - Returns: dL/dX, the input's shape.
    public func backward(
        _ result: ForwardResult, outputGradient: Tensor, weights: UnsafeBufferPointer<Float>,
        gradients: UnsafeMutableBufferPointer<Float>
    ) -> Tensor {
        precondition(
            outputGradient.shape == result.output.shape,
            "Linear output gradient has shape \(outputGradient.shape); expected \(result.output.shape)")
        precondition(
            weights.count == parameterCount && gradients.count == parameterCount,
            "Linear slices have \(weights.count) and \(gradients.count) elements, expected \(parameterCount)")
        let rows = result.input.count / inputSize
        var inputGradient = [Float](repeating: 0, count: rows * inputSize)  // (N, I)
        result.input.scalars.withUnsafeBufferPointer { x in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    let w = weights.baseAddress!, g = gradients.baseAddress!
                    Matmul.gemm(
                        transposeA: true, transposeB: false, m: outputSize, n: inputSize, k: rows,
                        a: dy.baseAddress!, lda: outputSize, b: x.baseAddress!, ldb: inputSize,
                        beta: 1, c: g, ldc: inputSize)
                    if hasBias {
                        let biasGradient = g + outputSize * inputSize
                        for row in 0..<rows {
                            for j in 0..<outputSize { biasGradient[j] += dy[row * outputSize + j] }
                        }
                    }
                    Matmul.gemm(
                        transposeA: false, transposeB: false, m: rows, n: inputSize, k: outputSize,
                        a: dy.baseAddress!, lda: outputSize, b: w, ldb: inputSize,
                        beta: 0, c: dx.baseAddress!, ldc: inputSize)
                }
            }
        }
        return Tensor(shape: result.input.shape, scalars: inputGradient)
    }
}
