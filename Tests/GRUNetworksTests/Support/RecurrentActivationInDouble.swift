import Foundation
import GRUNetworks

extension RecurrentActivation {
    /// f(x) in Double, straight from the table on `RecurrentActivation`, for the naive twins.
    func inDouble(_ x: Double) -> Double {
        switch self {
        case .tanh: Foundation.tanh(x)
        case .relu: max(x, 0)
        case .sigmoid: 1 / (1 + Foundation.exp(-x))
        case .hardSigmoid: min(max(x / 6 + 0.5, 0), 1)
        case .linear: x
        }
    }
}
