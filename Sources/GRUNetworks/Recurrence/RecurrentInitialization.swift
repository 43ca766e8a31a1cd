import GRUTensor

extension RecurrentLayer {
    /// Draws fresh parameters into `slice` (`layout.count` values), tensor after tensor in
    /// buffer order; the same generator state gives the same values.
    ///
    /// `.pytorch`: every weight and bias uniform in [-1/sqrt(H), 1/sqrt(H)], as `RNNBase`.
    /// `.keras`: Glorot-uniform input kernel, orthogonal recurrent kernel, zero biases.
    /// A cell's extra tensors start at their `initialValue` under both.
    public func initialize(
        _ slice: UnsafeMutableBufferPointer<Float>, using generator: inout SeededGenerator,
        as scheme: GRUInitialization
    ) {
        precondition(
            slice.count == layout.count, "recurrent parameters: \(slice.count) values, layout needs \(layout.count)")
        let hidden = configuration.hiddenSize
        for layer in 0..<configuration.layerCount {
            for direction in 0..<configuration.directionCount {
                for role in RecurrentParameterRole.allCases {
                    guard let slot = layout.slot(role, layer: layer, direction: direction) else { continue }
                    switch (scheme, role) {
                    case (.pytorch, _):
                        slice.fillUniform(slot.range, bound: 1 / Float(hidden).squareRoot(), using: &generator)
                    case (.keras, .inputWeight):
                        // Keras's kernel is (I, G*H): fan_in I, fan_out G*H.
                        let bound = (6 / Float(slot.shape[1] + slot.shape[0])).squareRoot()
                        slice.fillUniform(slot.range, bound: bound, using: &generator)
                    case (.keras, .recurrentWeight):
                        let q = orthonormalColumns(rows: slot.shape[0], columns: slot.shape[1], using: &generator)
                        for (i, value) in zip(slot.range, q) { slice[i] = value }
                    case (.keras, .inputBias), (.keras, .recurrentBias):
                        slice.fill(slot.range, with: 0)
                    }
                }
                for extra in layout.extraParameters {
                    guard let slot = layout.slot(extra: extra.nameStem, layer: layer, direction: direction) else {
                        continue
                    }
                    slice.fill(slot.range, with: extra.initialValue)
                }
            }
        }
    }
}

/// A (rows, columns) row-major matrix with orthonormal columns (rows >= columns), from the QR
/// factorization of a Gaussian matrix with R's diagonal made positive, as Keras's `Orthogonal`
/// initializer does for its (H, G*H) recurrent kernel, transposed here.
func orthonormalColumns(rows: Int, columns: Int, using generator: inout SeededGenerator) -> [Float] {
    var a = (0..<(rows * columns)).map { _ in generator.normal() }
    // Modified Gram-Schmidt in Double, column by column; dividing by the positive norm is the
    // sign fix of R's diagonal.
    for j in 0..<columns {
        for previous in 0..<j {
            var dot = 0.0
            for i in 0..<rows { dot += a[i * columns + j] * a[i * columns + previous] }
            for i in 0..<rows { a[i * columns + j] -= dot * a[i * columns + previous] }
        }
        var norm = 0.0
        for i in 0..<rows { norm += a[i * columns + j] * a[i * columns + j] }
        norm = norm.squareRoot()
        for i in 0..<rows { a[i * columns + j] /= norm }
    }
    return a.map { Float($0) }
}
