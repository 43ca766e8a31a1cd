/// Layer normalization of the rows of a matrix without a shift (Ba et al. 2016, as Haste's
/// layer-norm cells use it): y = (x - mean(x)) / sqrt(var(x) + eps) * gain over each row of
/// width W, with the biased variance, as `torch.nn.functional.layer_norm`. Forward beside
/// backward; the backward recomputes each row's statistics from x rather than caching them.
///
/// Legend: R rows, W the row width.
enum LayerNormalizationRows {
    /// The epsilon inside the square root, Haste's and PyTorch's default.
    static let epsilon: Float = 1e-5

    /// x̂ = (x - mean) / sqrt(var + eps) of one row, written over `row` (W), returning
    /// 1 / sqrt(var + eps).
    @inline(__always)
    @discardableResult
    static func standardize(_ row: UnsafeMutablePointer<Float>, width: Int) -> Float {
        var sum: Float = 0
        for j in 0..<width { sum += row[j] }
        let mean = sum / Float(width)
        var squares: Float = 0
        for j in 0..<width {
            let d = row[j] - mean
            squares += d * d
        }
        let inverseDeviation = 1 / (squares / Float(width) + epsilon).squareRoot()
        for j in 0..<width { row[j] = (row[j] - mean) * inverseDeviation }
        return inverseDeviation
    }

    /// Normalizes `rows` rows (R, W) in place and multiplies each by `gain` (W).
    static func forward(
        _ matrix: UnsafeMutablePointer<Float>, rows: Int, width: Int, gain: UnsafePointer<Float>
    ) {
        for i in 0..<rows {
            let row = matrix + i * width
            standardize(row, width: width)
            for j in 0..<width { row[j] *= gain[j] }
        }
    }

    /// dL/dx of one row from dL/dy (`gradient`, W, overwritten with dL/dx), the row's x̂
    /// (`standardized`) and 1 / sqrt(var + eps): with g = dL/dy * gain,
    /// dL/dx = (g - mean(g) - x̂ mean(g x̂)) / sqrt(var + eps). Adds dL/dy * x̂ into
    /// `gainGradient` when it is not nil.
    @inline(__always)
    static func backwardRow(
        _ gradient: UnsafeMutablePointer<Float>, standardized: UnsafePointer<Float>, inverseDeviation: Float,
        width: Int, gain: UnsafePointer<Float>, gainGradient: UnsafeMutablePointer<Float>?
    ) {
        var sum: Float = 0, projected: Float = 0
        for j in 0..<width {
            if let gainGradient { gainGradient[j] += gradient[j] * standardized[j] }
            let g = gradient[j] * gain[j]
            sum += g
            projected += g * standardized[j]
        }
        let meanG = sum / Float(width), meanGX = projected / Float(width)
        for j in 0..<width {
            let g = gradient[j] * gain[j]
            gradient[j] = (g - meanG - standardized[j] * meanGX) * inverseDeviation
        }
    }

    /// dL/dx over dL/dy for `rows` rows, from x (`inputs`, (R, W), overwritten with x̂), with
    /// dL/d(gain) (W) added to.
    static func backward(
        _ gradient: UnsafeMutablePointer<Float>, inputs: UnsafeMutablePointer<Float>, rows: Int, width: Int,
        gain: UnsafePointer<Float>, gainGradient: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<rows {
            let x = inputs + i * width
            let inverseDeviation = standardize(x, width: width)
            backwardRow(
                gradient + i * width, standardized: x, inverseDeviation: inverseDeviation, width: width, gain: gain,
                gainGradient: gainGradient)
        }
    }
}
