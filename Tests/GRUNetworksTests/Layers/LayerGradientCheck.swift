import GRUTensor

/// dL/dθ and dL/dx by central differences in Double, for L = sum(f(θ, x) * dY), where f is a
/// layer's slow Double twin.
func finiteDifferenceGradients(
    parameters: [Float], input: [Float], outputGradient: Tensor,
    _ function: (_ parameters: [Double], _ input: [Double]) -> [Double]
) -> (parameters: [Double], input: [Double]) {
    let theta = parameters.map(Double.init), x = input.map(Double.init)
    let dY = outputGradient.scalars.map(Double.init)
    func loss(_ output: [Double]) -> Double { zip(output, dY).map(*).reduce(0, +) }
    return (
        centralDifferences(theta) { loss(function($0, x)) },
        centralDifferences(x) { loss(function(theta, $0)) }
    )
}

/// Runs `body` with a layer's weights and a zeroed gradient slice of the same size, and returns
/// the gradients it accumulated.
func withSlices<Result>(
    _ weights: [Float], _ body: (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) throws -> Result
) rethrows -> (result: Result, gradients: [Float]) {
    var gradients = [Float](repeating: 0, count: weights.count)
    let result = try weights.withUnsafeBufferPointer { w in
        try gradients.withUnsafeMutableBufferPointer { g in try body(w, g) }
    }
    return (result, gradients)
}

/// A layer's freshly initialized slice.
func initializedSlice(
    count: Int, seed: UInt64, _ initialize: (UnsafeMutableBufferPointer<Float>, inout SeededGenerator) -> Void
) -> [Float] {
    var values = [Float](repeating: .nan, count: count)
    var generator = SeededGenerator(seed: seed)
    values.withUnsafeMutableBufferPointer { initialize($0, &generator) }
    return values
}
