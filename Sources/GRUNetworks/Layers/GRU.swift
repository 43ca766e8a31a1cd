import GRUTensor

/// A GRU that owns its parameters: the `GRULayer` math over a `GRUParameters` buffer.
///
/// This is the type to use on its own; inside a larger model, a `GRULayer` reads a slice of
/// the model's flat parameter buffer instead.
public struct GRU: Sendable {
    /// Weights and biases in PyTorch `nn.GRU` layout and order.
    public var parameters: GRUParameters

    /// The layer's sizes and variant.
    public var configuration: GRUConfiguration { parameters.configuration }

    /// The stateless layer computing over `parameters`.
    public var layer: GRULayer { GRULayer(configuration) }

    /// A GRU with the given parameters.
    public init(parameters: GRUParameters) {
        self.parameters = parameters
    }

    /// A freshly initialized GRU; the same seed gives the same weights.
    public init(
        configuration: GRUConfiguration, initialization: GRUInitialization = .pytorch, seed: UInt64 = 0
    ) {
        self.init(
            parameters: GRUParameters(
                configuration: configuration, initialization: initialization, seed: seed))
    }

    /// Runs the GRU over a batch of sequences; see `GRULayer.forward` for shapes and semantics.
    public func forward(
        _ input: Tensor, initialState: Tensor? = nil, lengths: [Int]? = nil,
        layout: SequenceLayout = .timeMajor, dropout: GRUDropout? = nil
    ) throws -> RecurrentForwardResult {
        try parameters.values.withUnsafeBufferPointer { weights in
            try layer.forward(
                input, initialState: initialState, lengths: lengths, layout: layout,
                weights: weights, dropout: dropout)
        }
    }

    /// Backpropagation through time; see `GRULayer.backward`.
    public func backward(
        _ result: RecurrentForwardResult, outputGradient: Tensor, finalStateGradient: Tensor? = nil
    ) throws -> GRUGradients {
        var gradients = GRUParameters(zerosFor: configuration)
        let stateGradients = try parameters.values.withUnsafeBufferPointer { weights in
            try gradients.values.withUnsafeMutableBufferPointer { gradientBuffer in
                try layer.backward(
                    result, outputGradient: outputGradient, finalStateGradient: finalStateGradient,
                    weights: weights, gradients: gradientBuffer)
            }
        }
        return GRUGradients(
            input: stateGradients.input, initialState: stateGradients.initialState, parameters: gradients)
    }
}

/// What `GRU.backward` returns.
public struct GRUGradients: Sendable {
    /// dL/d input, in the input's shape and layout.
    public let input: Tensor
    /// dL/d initial state, (L*D, B, H); also the gradient when no initial state was given.
    public let initialState: Tensor
    /// dL/d every weight and bias, in the parameters' layout.
    public let parameters: GRUParameters
}
