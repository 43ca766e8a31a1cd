import GRUTensor

/// How fresh recurrent parameters are drawn (see `RecurrentLayer.initialize`).
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
        values.withUnsafeMutableBufferPointer {
            GRULayer(configuration).initialize($0, using: &generator, as: initialization)
        }
    }
}
