import Foundation

/// The logistic function 1 / (1 + e^-x); saturates cleanly to 0 and 1 without NaN.
@inlinable
public func sigmoid(_ x: Float) -> Float {
    1 / (1 + expf(-x))
}

/// The hyperbolic tangent, through the C library for full accuracy.
@inlinable
public func hyperbolicTangent(_ x: Float) -> Float {
    tanhf(x)
}
