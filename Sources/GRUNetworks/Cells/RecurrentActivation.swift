import Foundation

/// An elementwise activation of a recurrent cell, under the names Keras and ONNX give it: the
/// plain RNN's `nonlinearity`, and the activations Keras and ONNX let a recurrent layer choose.
///
/// Each is differentiated from its output y = f(x), which is exact for all of them away from
/// their kinks (at a kink the derivative is the one PyTorch's autograd takes: relu'(0) = 0).
///
/// | case | f(x) | f' from y | Keras | ONNX |
/// | --- | --- | --- | --- | --- |
/// | tanh | tanh x | 1 - y^2 | `tanh` | `Tanh` |
/// | relu | max(x, 0) | y > 0 ? 1 : 0 | `relu` | `Relu` |
/// | sigmoid | 1 / (1 + e^-x) | y (1 - y) | `sigmoid` | `Sigmoid` |
/// | hardSigmoid | clip(x / 6 + 1/2, 0, 1) | 0 < y < 1 ? 1/6 : 0 | `hard_sigmoid` | `HardSigmoid` alpha 1/6 |
/// | linear | x | 1 | `linear` | `Affine` alpha 1, beta 0 |
///
/// `hardSigmoid` is Keras 3's, relu6(x + 3) / 6; Keras 2 and ONNX's default (alpha 0.2) used
/// clip(0.2 x + 0.5, 0, 1), so an ONNX node of this activation carries alpha = 1/6 explicitly.
public enum RecurrentActivation: String, CaseIterable, Codable, Sendable {
    case tanh
    case relu
    case sigmoid
    case hardSigmoid = "hard_sigmoid"
    case linear

    /// The activation a user named, by its Keras name (`tanh`, `hard_sigmoid`) or its ONNX
    /// name (`Tanh`, `HardSigmoid`, `Affine`).
    ///
    /// - Parameter setting: what the error names: the flag or attribute the value came from.
    /// - Throws: `GRUInputError` naming the value and the accepted names.
    public init(parsing name: String, setting: String = "activation") throws {
        guard let activation = Self.allCases.first(where: { $0.kerasName == name || $0.onnxName == name }) else {
            let accepted = Self.allCases.map(\.kerasName).joined(separator: ", ")
            throw GRUInputError(.setting(setting), found: "'\(name)'", expected: "one of \(accepted)")
        }
        self = activation
    }

    /// The name Keras's `activations.get` takes.
    public var kerasName: String { rawValue }

    /// The ONNX operator or recurrent-activation name.
    public var onnxName: String {
        switch self {
        case .tanh: "Tanh"
        case .relu: "Relu"
        case .sigmoid: "Sigmoid"
        case .hardSigmoid: "HardSigmoid"
        case .linear: "Affine"
        }
    }

    /// The ONNX `alpha` and `beta` this activation needs, where the operator has them: ONNX's
    /// defaults (0.2, 0.5 for HardSigmoid) are not Keras 3's.
    public var onnxAlphaBeta: (alpha: Float, beta: Float)? {
        switch self {
        case .hardSigmoid: (1 / 6, 0.5)
        case .linear: (1, 0)
        case .tanh, .relu, .sigmoid: nil
        }
    }

    /// f(x).
    @inlinable
    public func callAsFunction(_ x: Float) -> Float {
        switch self {
        case .tanh: Foundation.tanh(x)
        case .relu: Swift.max(x, 0)
        case .sigmoid: 1 / (1 + Foundation.exp(-x))
        case .hardSigmoid: Swift.min(Swift.max(x / 6 + 0.5, 0), 1)
        case .linear: x
        }
    }

    /// f'(x) from the output y = f(x), in any precision (Double for the naive twins).
    @inlinable
    public func derivative<Scalar: BinaryFloatingPoint>(output y: Scalar) -> Scalar {
        switch self {
        case .tanh: 1 - y * y
        case .relu: y > 0 ? 1 : 0
        case .sigmoid: y * (1 - y)
        case .hardSigmoid: y > 0 && y < 1 ? 1 / 6 : 0
        case .linear: 1
        }
    }
}
