import Foundation

/// Adam (Kingma & Ba 2015) with weight decay either as an L2 term in the gradient, step for
/// step as `torch.optim.Adam`, or decoupled (AdamW, Loshchilov & Hutter 2019), step for step as
/// `torch.optim.AdamW` (amsgrad off in both).
///
/// Per element at step t, with learning rate η, decay rates β1 and β2, ε and weight decay λ:
/// - `.l2`: g = grad + λ θ;
/// - `.decoupled`: θ = θ (1 - η λ) first, and g = grad;
/// then m = β1 m + (1 - β1) g; v = β2 v + (1 - β2) g²;
/// θ = θ - (η / (1 - β1^t)) m / (sqrt(v) / sqrt(1 - β2^t) + ε).
public struct Adam: Optimizer, Equatable, Codable {
    /// How the weight decay λ enters the update.
    public enum WeightDecayStyle: String, CaseIterable, Codable, Sendable {
        /// Added to the gradient as λ θ (Adam).
        case l2
        /// Applied to the values as θ (1 - η λ) before the step (AdamW).
        case decoupled
    }

    /// η.
    public var learningRate: Float
    /// β1, the decay rate of the first moment m. Decay rates are Double so that 1 - β keeps its
    /// precision: 1 - Float(0.999) is 1.3e-5 off 0.001, relatively.
    public var beta1: Double
    /// β2, the decay rate of the second moment v.
    public var beta2: Double
    /// ε, added to the denominator.
    public var epsilon: Float
    /// λ.
    public var weightDecay: Float
    /// Whether λ is an L2 term (Adam) or decoupled (AdamW).
    public var weightDecayStyle: WeightDecayStyle
    /// The number of steps taken, t.
    public private(set) var stepCount = 0
    /// m, PyTorch's `exp_avg`; empty before the first step.
    public private(set) var firstMoment: [Float] = []
    /// v, PyTorch's `exp_avg_sq`; empty before the first step.
    public private(set) var secondMoment: [Float] = []

    /// Adam with PyTorch's defaults: η = 0.001, β1 = 0.9, β2 = 0.999, ε = 1e-8, λ = 0 (L2).
    public init(
        learningRate: Float = 0.001, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0, weightDecayStyle: WeightDecayStyle = .l2
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.weightDecayStyle = weightDecayStyle
    }

    /// AdamW with `torch.optim.AdamW`'s defaults: η = 0.001, β1 = 0.9, β2 = 0.999, ε = 1e-8,
    /// decoupled λ = 0.01.
    public static func adamW(
        learningRate: Float = 0.001, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0.01
    ) -> Adam {
        Adam(
            learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
            weightDecay: weightDecay, weightDecayStyle: .decoupled)
    }

    /// One Adam (or AdamW) update of every value.
    public mutating func step(values: inout [Float], gradients: [Float]) {
        checkStepSizes(values: values, gradients: gradients)
        if firstMoment.isEmpty {
            firstMoment = Array(repeating: 0, count: values.count)
            secondMoment = Array(repeating: 0, count: values.count)
        }
        stepCount += 1
        // Bias corrections in Double, as PyTorch computes them in Python floats.
        let t = Double(stepCount)
        let stepSize = Float(Double(learningRate) / (1 - pow(beta1, t)))
        let correction2 = Float((1 - pow(beta2, t)).squareRoot())
        let decoupled = weightDecayStyle == .decoupled
        let l2 = decoupled ? 0 : weightDecay
        let shrink = decoupled ? 1 - learningRate * weightDecay : 1
        let (decay1, complement1) = (Float(beta1), Float(1 - beta1))
        let (decay2, complement2) = (Float(beta2), Float(1 - beta2))
        let epsilon = epsilon
        values.withUnsafeMutableBufferPointer { theta in
            gradients.withUnsafeBufferPointer { grad in
                firstMoment.withUnsafeMutableBufferPointer { m in
                    secondMoment.withUnsafeMutableBufferPointer { v in
                        for i in 0..<theta.count {
                            if decoupled { theta[i] *= shrink }
                            let g = grad[i] + l2 * theta[i]
                            m[i] = decay1 * m[i] + complement1 * g
                            v[i] = decay2 * v[i] + complement2 * g * g
                            theta[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2 + epsilon)
                        }
                    }
                }
            }
        }
    }

    /// The step count, `exp_avg` (m) and `exp_avg_sq` (v); no buffers before the first step.
    public var state: OptimizerState {
        OptimizerState(
            stepCount: stepCount,
            buffers: firstMoment.isEmpty ? [:] : ["exp_avg": firstMoment, "exp_avg_sq": secondMoment])
    }

    /// Replaces the step count and moments with a saved state.
    public mutating func restore(_ state: OptimizerState, parameterCount: Int) throws {
        let buffers = try state.buffers(named: ["exp_avg", "exp_avg_sq"], parameterCount: parameterCount)
        (firstMoment, secondMoment) = (buffers[0], buffers[1])
        stepCount = state.stepCount
    }
}
