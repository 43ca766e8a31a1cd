import GRUTensor

/// How fresh GRU parameters are drawn.
public enum GRUInitialization: String, CaseIterable, Sendable, Codable {
    /// PyTorch's `nn.GRU`: every weight and bias uniform in [-1/sqrt(H), 1/sqrt(H)].
    case pytorch
    /// Keras's `GRU`: Glorot-uniform input kernel, orthogonal recurrent kernel, zero biases.
    case keras
}

extension GRUParameters {
    /// Freshly initialized parameters; the same seed always gives the same values.
    public init(configuration: GRUConfiguration, initialization: GRUInitialization, seed: UInt64) {
        self.init(zerosFor: configuration)
        var generator = SeededGenerator(seed: seed)
        let hidden = configuration.hiddenSize
        for slot in slots {
            let range = slot.offset..<(slot.offset + slot.count)
            switch initialization {
            case .pytorch:
                let bound = 1 / Float(hidden).squareRoot()
                for i in range { values[i] = generator.uniform(-bound, bound) }
            case .keras:
                switch slot.role {
                case .inputWeight:
                    // Keras's kernel is (I, 3H): fan_in I, fan_out 3H.
                    let bound = (6 / Float(slot.shape[1] + slot.shape[0])).squareRoot()
                    for i in range { values[i] = generator.uniform(-bound, bound) }
                case .recurrentWeight:
                    let q = Self.orthonormalColumns(rows: slot.shape[0], columns: slot.shape[1], using: &generator)
                    for (i, value) in zip(range, q) { values[i] = value }
                case .inputBias, .recurrentBias:
                    break  // zeros
                }
            }
        }
    }

    /// A (rows, columns) row-major matrix with orthonormal columns (rows >= columns), from the
    /// QR factorization of a Gaussian matrix with R's diagonal made positive, as Keras's
    /// `Orthogonal` initializer does for its (H, 3H) recurrent kernel, transposed here.
    static func orthonormalColumns(
        rows: Int, columns: Int, using generator: inout SeededGenerator
    ) -> [Float] {
        var a = (0..<(rows * columns)).map { _ in generator.normal() }
        // Modified Gram-Schmidt in Double, column by column; dividing by the positive norm
        // is the sign fix of R's diagonal.
        for j in 0..<columns {
            for previous in 0..<j {
                var dot = 0.0
                for i in 0..<rows { dot += a[i * columns + j] * a[i * columns + previous] }
                for i in 0..<rows { a[i * columns + j] -= dot * a[i * columns + previous] }
            }
            var norm = 0.0
            for i in 0..<rows { norm += a[i * columns + j] * a[i * columns + j] }
            norm = norm.squareRoot()
            for i in 0..<rows { a[i * columns + j] /= norm }
        }
        return a.map { Float($0) }
    }
}
