/// RMSprop (Hinton 2012) with optional momentum, centering and L2 weight decay, step for step
/// as `torch.optim.RMSprop`.
///
/// Per element, with learning rate η, smoothing α, ε, momentum μ and weight decay λ:
/// g = grad + λ θ; s = α s + (1 - α) g²; centered: a = α a + (1 - α) g, d = sqrt(s - a²) + ε,
/// else d = sqrt(s) + ε; with μ > 0: b = μ b + g / d, θ = θ - η b; else θ = θ - η g / d.
/// (Keras's RMSprop puts ε inside the square root and defaults α to 0.9.)
public struct RMSprop: Optimizer, Equatable, Codable {
    /// η.
    public var learningRate: Float
    /// α, the decay rate of the squared-gradient average; Double so that 1 - α keeps its precision.
    public var alpha: Double
    /// ε, added to the denominator.
    public var epsilon: Float
    /// μ; 0 for none.
    public var momentum: Float
    /// Whether to divide by the estimated standard deviation rather than the root mean square.
    public var isCentered: Bool
    /// λ, the L2 penalty coefficient added to the gradient.
    public var weightDecay: Float
    /// The number of steps taken.
    public private(set) var stepCount = 0
    /// s, PyTorch's `square_avg`; empty before the first step.
    public private(set) var squareAverage: [Float] = []
    /// a, PyTorch's `grad_avg`; empty unless centered.
    public private(set) var gradientAverage: [Float] = []
    /// b, PyTorch's `momentum_buffer`; empty unless μ > 0.
    public private(set) var momentumBuffer: [Float] = []

    /// RMSprop with PyTorch's defaults: η = 0.01, α = 0.99, ε = 1e-8, μ = 0, not centered, λ = 0.
    public init(
        learningRate: Float = 0.01, alpha: Double = 0.99, epsilon: Float = 1e-8, momentum: Float = 0,
        isCentered: Bool = false, weightDecay: Float = 0
    ) {
        self.learningRate = learningRate
        self.alpha = alpha
        self.epsilon = epsilon
        self.momentum = momentum
        self.isCentered = isCentered
        self.weightDecay = weightDecay
    }

    /// The names of the buffers these settings keep.
    private var bufferNames: [String] {
        ["square_avg"] + (isCentered ? ["grad_avg"] : []) + (momentum > 0 ? ["momentum_buffer"] : [])
    }

    /// One RMSprop update of every value.
    public mutating func step(values: inout [Float], gradients: [Float]) {
        checkStepSizes(values: values, gradients: gradients)
        if squareAverage.isEmpty {
            squareAverage = Array(repeating: 0, count: values.count)
            if isCentered { gradientAverage = squareAverage }
            if momentum > 0 { momentumBuffer = squareAverage }
        }
        let (lr, epsilon, mu, centered, decay) = (learningRate, epsilon, momentum, isCentered, weightDecay)
        let (keep, complement) = (Float(alpha), Float(1 - alpha))
        values.withUnsafeMutableBufferPointer { theta in
            gradients.withUnsafeBufferPointer { grad in
                squareAverage.withUnsafeMutableBufferPointer { s in
                    gradientAverage.withUnsafeMutableBufferPointer { a in
                        momentumBuffer.withUnsafeMutableBufferPointer { b in
                            for i in 0..<theta.count {
                                let g = grad[i] + decay * theta[i]
                                s[i] = keep * s[i] + complement * g * g
                                var meanSquare = s[i]
                                if centered {
                                    a[i] = keep * a[i] + complement * g
                                    meanSquare -= a[i] * a[i]
                                }
                                let denominator = meanSquare.squareRoot() + epsilon
                                if mu > 0 {
                                    b[i] = mu * b[i] + g / denominator
                                    theta[i] -= lr * b[i]
                                } else {
                                    theta[i] -= lr * g / denominator
                                }
                            }
                        }
                    }
                }
            }
        }
        stepCount += 1
    }

    /// The step count, `square_avg`, and `grad_avg` and `momentum_buffer` where kept.
    public var state: OptimizerState {
        guard !squareAverage.isEmpty else { return OptimizerState(stepCount: stepCount, buffers: [:]) }
        var buffers = ["square_avg": squareAverage]
        if isCentered { buffers["grad_avg"] = gradientAverage }
        if momentum > 0 { buffers["momentum_buffer"] = momentumBuffer }
        return OptimizerState(stepCount: stepCount, buffers: buffers)
    }

    /// Replaces the step count and buffers with a saved state.
    public mutating func restore(_ state: OptimizerState, parameterCount: Int) throws {
        let names = bufferNames
        let buffers = try state.buffers(named: names, parameterCount: parameterCount)
        func buffer(_ name: String) -> [Float] { names.firstIndex(of: name).map { buffers[$0] } ?? [] }
        squareAverage = buffer("square_avg")
        gradientAverage = buffer("grad_avg")
        momentumBuffer = buffer("momentum_buffer")
        stepCount = state.stepCount
    }
}
