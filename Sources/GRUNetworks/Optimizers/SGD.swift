/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay,
/// step for step as `torch.optim.SGD`.
///
/// Per element, with learning rate η, momentum μ, dampening τ, weight decay λ:
/// g = grad + λ θ; b = g at the first step, else b = μ b + (1 - τ) g (when μ ≠ 0);
/// d = g + μ b with Nesterov, b without (g when μ = 0); θ = θ - η d.
public struct SGD: Optimizer, Equatable, Codable {
    /// η.
    public var learningRate: Float
    /// μ; 0 for plain gradient descent.
    public var momentum: Float
    /// τ, the share of each gradient held back from the momentum buffer.
    public var dampening: Float
    /// Whether to step along g + μ b (Nesterov) rather than b.
    public var isNesterov: Bool
    /// λ, the L2 penalty coefficient added to the gradient.
    public var weightDecay: Float
    /// The number of steps taken.
    public private(set) var stepCount = 0
    /// b, PyTorch's `momentum_buffer`; empty before the first step or when μ = 0.
    public private(set) var momentumBuffer: [Float] = []

    /// SGD with the given settings; Nesterov needs μ > 0 and τ = 0, as in PyTorch.
    public init(
        learningRate: Float, momentum: Float = 0, dampening: Float = 0, isNesterov: Bool = false,
        weightDecay: Float = 0
    ) {
        precondition(
            !isNesterov || (momentum > 0 && dampening == 0),
            "Nesterov momentum requires momentum > 0 and dampening 0")
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.isNesterov = isNesterov
        self.weightDecay = weightDecay
    }

    /// One SGD update of every value.
    public mutating func step(values: inout [Float], gradients: [Float]) {
        checkStepSizes(values: values, gradients: gradients)
        let isFirst = momentumBuffer.isEmpty
        if momentum != 0 && isFirst { momentumBuffer = Array(repeating: 0, count: values.count) }
        let (lr, mu, tau, decay, nesterov) = (learningRate, momentum, dampening, weightDecay, isNesterov)
        values.withUnsafeMutableBufferPointer { theta in
            gradients.withUnsafeBufferPointer { grad in
                momentumBuffer.withUnsafeMutableBufferPointer { b in
                    for i in 0..<theta.count {
                        var g = grad[i] + decay * theta[i]
                        if mu != 0 {
                            b[i] = isFirst ? g : mu * b[i] + (1 - tau) * g
                            g = nesterov ? g + mu * b[i] : b[i]
                        }
                        theta[i] -= lr * g
                    }
                }
            }
        }
        stepCount += 1
    }

    /// The step count and `momentum_buffer` (when μ ≠ 0 and a step was taken).
    public var state: OptimizerState {
        OptimizerState(
            stepCount: stepCount, buffers: momentumBuffer.isEmpty ? [:] : ["momentum_buffer": momentumBuffer])
    }

    /// Replaces the step count and `momentum_buffer` with a saved state.
    public mutating func restore(_ state: OptimizerState, parameterCount: Int) throws {
        let buffers = try state.buffers(named: momentum != 0 ? ["momentum_buffer"] : [], parameterCount: parameterCount)
        momentumBuffer = buffers.first ?? []
        stepCount = state.stepCount
    }
}
