import GRUTensor

/// A lookup table from token ids to learned vectors, as PyTorch's `nn.Embedding` and Keras's
/// `Embedding`.
///
/// Legend: V vocabulary size, D dimension. Parameters: `weight` (V, D), row i the vector of id i.
/// The padding id, when there is one, looks up its row like any other id but never receives a
/// gradient, so its row stays as initialized (zero).
public struct Embedding: ParameterizedLayer, Equatable, Hashable, Codable {
    /// The number of ids, V; valid ids are 0..<V.
    public let vocabularySize: Int
    /// The length of each vector, D.
    public let dimension: Int
    /// The id whose row is zero and gets no gradient, as PyTorch's `padding_idx`; nil for none.
    public let paddingIndex: Int?

    /// A table of V vectors of length D; sizes must be positive and the padding id in 0..<V.
    public init(vocabularySize: Int, dimension: Int, paddingIndex: Int? = nil) {
        precondition(
            vocabularySize > 0 && dimension > 0,
            "Embedding sizes must be positive: vocabulary \(vocabularySize), dimension \(dimension)")
        if let paddingIndex {
            precondition(
                (0..<vocabularySize).contains(paddingIndex),
                "Embedding padding index \(paddingIndex) is outside 0..<\(vocabularySize)")
        }
        self.vocabularySize = vocabularySize
        self.dimension = dimension
        self.paddingIndex = paddingIndex
    }

    /// `weight` (V, D).
    public var parameterSlots: [LayerParameterSlot] {
        [LayerParameterSlot(name: "weight", shape: [vocabularySize, dimension], offset: 0)]
    }

    /// Draws the table row by row, then zeroes the padding row.
    ///
    /// `.pytorch`: N(0, 1). `.keras`: uniform in [-0.05, 0.05] (Keras's `uniform` default).
    public func initialize(
        _ slice: UnsafeMutableBufferPointer<Float>, using generator: inout SeededGenerator,
        as scheme: GRUInitialization
    ) {
        precondition(
            slice.count == parameterCount, "Embedding slice has \(slice.count) elements, expected \(parameterCount)")
        switch scheme {
        case .pytorch:
            for i in 0..<slice.count { slice[i] = Float(generator.normal()) }
        case .keras:
            slice.fillUniform(0..<slice.count, bound: 0.05, using: &generator)
        }
        if let paddingIndex {
            slice.fill((paddingIndex * dimension)..<((paddingIndex + 1) * dimension), with: 0)
        }
    }

    // MARK: - Forward

    /// The vectors of the given ids.
    ///
    /// - Parameters:
    ///   - ids: token ids in 0..<V, in row-major order of `shape`.
    ///   - shape: the ids' shape, such as (T, B); `[ids.count]` when nil.
    ///   - weights: this layer's slice of the parameter buffer.
    /// - Returns: the output `shape + [D]` and the ids, which backward needs.
    /// - Throws: `GRUInputError` naming the first id outside 0..<V.
    public func forward(
        _ ids: [Int], shape: [Int]? = nil, weights: UnsafeBufferPointer<Float>
    ) throws -> ForwardResult {
        let shape = shape ?? [ids.count]
        precondition(shape.reduce(1, *) == ids.count, "Embedding ids shape \(shape) does not hold \(ids.count) ids")
        precondition(
            weights.count == parameterCount, "Embedding slice has \(weights.count) elements, expected \(parameterCount)"
        )
        if let (position, id) = ids.enumerated().first(where: { !(0..<vocabularySize).contains($0.element) }) {
            throw GRUInputError(
                .tensor("token ids"), found: "id \(id) at position \(position)",
                expected: "ids in the vocabulary 0..<\(vocabularySize)")
        }
        var output = [Float](repeating: 0, count: ids.count * dimension)  // (N, D)
        output.withUnsafeMutableBufferPointer { y in
            for (row, id) in ids.enumerated() {
                (y.baseAddress! + row * dimension).update(from: weights.baseAddress! + id * dimension, count: dimension)
            }
        }
        return ForwardResult(output: Tensor(shape: shape + [dimension], scalars: output), ids: ids)
    }

    /// What `Embedding.forward` returns.
    public struct ForwardResult: Sendable {
        /// `shape + [D]`.
        public let output: Tensor
        /// The ids looked up, in row-major order.
        public let ids: [Int]
    }

    // MARK: - Backward

    /// Accumulates each output row's gradient into the row of its id; the padding id's row
    /// gets nothing. The input is discrete, so there is no input gradient.
    ///
    /// - Parameters:
    ///   - result: what `forward` returned.
    ///   - outputGradient: dL/d output, the output's shape.
    ///   - gradients: this layer's slice of the gradient buffer; added to, never overwritten.
    public func backward(
        _ result: ForwardResult, outputGradient: Tensor, gradients: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(
            outputGradient.shape == result.output.shape,
            "Embedding output gradient has shape \(outputGradient.shape); expected \(result.output.shape)")
        precondition(
            gradients.count == parameterCount,
            "Embedding slice has \(gradients.count) elements, expected \(parameterCount)")
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            for (row, id) in result.ids.enumerated() where id != paddingIndex {
                let source = row * dimension, target = id * dimension
                for j in 0..<dimension { gradients[target + j] += dy[source + j] }
            }
        }
    }
}
