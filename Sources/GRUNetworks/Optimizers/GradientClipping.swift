import Foundation

/// A limit on the gradients applied between backward and the optimizer step, to keep exploding
/// gradients of recurrent nets from wrecking the weights.
public enum GradientClipping: Equatable, Hashable, Codable, Sendable {
    /// Scale all gradients together so their global L2 norm is at most `maximum`
    /// (`torch.nn.utils.clip_grad_norm_`).
    case globalNorm(maximum: Float)
    /// Clamp each gradient to [-limit, limit] (`torch.nn.utils.clip_grad_value_`).
    case value(limit: Float)

    /// Clips `gradients` in place and returns their global L2 norm before clipping.
    @discardableResult
    public func apply(to gradients: inout [Float]) -> Float {
        switch self {
        case .globalNorm(let maximum):
            return clipGradientsByGlobalNorm(&gradients, maximumNorm: maximum)
        case .value(let limit):
            let norm = globalGradientNorm(of: gradients)
            clipGradientsByValue(&gradients, limit: limit)
            return norm
        }
    }
}

/// The L2 norm of all gradients taken as one vector, sqrt(sum g²), accumulated in Double.
public func globalGradientNorm(of gradients: [Float]) -> Float {
    var sum = 0.0
    gradients.withUnsafeBufferPointer { g in
        for value in g { sum += Double(value) * Double(value) }
    }
    return Float(sum.squareRoot())
}

/// Scales the gradients by maximumNorm / (norm + 1e-6) when their global norm exceeds
/// `maximumNorm`, as `torch.nn.utils.clip_grad_norm_`; returns the norm before scaling.
@discardableResult
public func clipGradientsByGlobalNorm(_ gradients: inout [Float], maximumNorm: Float) -> Float {
    let norm = globalGradientNorm(of: gradients)
    let scale = Float(Double(maximumNorm) / (Double(norm) + 1e-6))
    if scale < 1 {
        gradients.withUnsafeMutableBufferPointer { g in
            for i in 0..<g.count { g[i] *= scale }
        }
    }
    return norm
}

/// Clamps every gradient to [-limit, limit], as `torch.nn.utils.clip_grad_value_`.
public func clipGradientsByValue(_ gradients: inout [Float], limit: Float) {
    precondition(limit >= 0, "gradient clipping limit \(limit) is negative")
    gradients.withUnsafeMutableBufferPointer { g in
        for i in 0..<g.count { g[i] = min(max(g[i], -limit), limit) }
    }
}
