/// A dense Float32 tensor: a shape and its scalars in contiguous row-major order.
///
/// Value semantics (copy on write through the array). Only the operations GRUKit needs are
/// here; kernels work on the raw buffers through `withUnsafeBufferPointer`.
public struct Tensor: Equatable, Sendable {
    /// The extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Float]

    /// A tensor over `scalars` with the given shape; the counts must agree.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(
            shape.reduce(1, *) == scalars.count,
            "shape \(shape) holds \(shape.reduce(1, *)) elements, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of the given shape filled with `value` (zero by default).
    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, scalars: Array(repeating: value, count: shape.reduce(1, *)))
    }

    /// The number of elements.
    public var count: Int { scalars.count }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The same scalars viewed with another shape of equal element count.
    public func reshaped(to newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// A copy with the first two axes swapped: (A, B, rest...) -> (B, A, rest...).
    ///
    /// Converts between batch-first (B, T, I) and time-major (T, B, I) layouts.
    public func swappingFirstTwoAxes() -> Tensor {
        precondition(rank >= 2, "swappingFirstTwoAxes needs rank >= 2, got \(shape)")
        let a = shape[0], b = shape[1]
        let inner = shape.dropFirst(2).reduce(1, *)
        var result = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for i in 0..<a {
                    for j in 0..<b {
                        let from = (i * b + j) * inner
                        let to = (j * a + i) * inner
                        for k in 0..<inner { target[to + k] = source[from + k] }
                    }
                }
            }
        }
        var newShape = shape
        newShape.swapAt(0, 1)
        return Tensor(shape: newShape, scalars: result)
    }

    /// Whether every element is finite (no NaN or infinity).
    public var isFinite: Bool {
        scalars.withUnsafeBufferPointer { Reductions.allFinite($0) }
    }
}

extension Tensor: CustomStringConvertible {
    /// The tensor's shape, as `Tensor(shape: [2, 3])`; not its values.
    public var description: String { "Tensor(shape: \(shape))" }
}
