import Foundation

/// The slow, obvious twin of `LayerNormGateKernels`: the same normalization and step math as
/// plain Swift loops over whole rows, with the C library's exp and tanh, used only by tests.
/// See `LayerNormGateKernels` for the math, the legend, the cache layout and the masking rule.
package enum NaiveLayerNormGateKernels {
    /// x̂ of one row (W) and 1 / sqrt(var + eps), the variance from squared deviations.
    static func standardized(_ row: UnsafePointer<Float>, width: Int) -> ([Float], Float) {
        var sum: Float = 0
        for j in 0..<width { sum += row[j] }
        let mean = sum / Float(width)
        var squares: Float = 0
        for j in 0..<width { squares += (row[j] - mean) * (row[j] - mean) }
        let inverseDeviation = 1 / (squares / Float(width) + LayerNormGateKernels.epsilon).squareRoot()
        return ((0..<width).map { (row[$0] - mean) * inverseDeviation }, inverseDeviation)
    }

    /// Twin of `LayerNormGateKernels.normalizeRows`.
    package static func normalizeRows(
        rows: Int, width: Int, matrix: UnsafeMutablePointer<Float>, stride: Int, gain: UnsafePointer<Float>,
        cache: UnsafeMutablePointer<Float>?, cacheStride: Int
    ) {
        for i in 0..<rows {
            let row = matrix + i * stride
            let (x, inverseDeviation) = standardized(row, width: width)
            for j in 0..<width {
                row[j] = x[j] * gain[j]
                cache?[i * cacheStride + j] = x[j]
            }
            cache?[i * cacheStride + width] = inverseDeviation
        }
    }

    /// Twin of `LayerNormGateKernels.backwardRows`.
    package static func backwardRows(
        rows: Int, width: Int, gradient: UnsafeMutablePointer<Float>, stride: Int, cache: UnsafePointer<Float>,
        cacheStride: Int, gain: UnsafePointer<Float>, gainGradient: UnsafeMutablePointer<Float>?
    ) {
        for i in 0..<rows {
            backwardRow(
                gradient + i * stride, into: gradient + i * stride, cache: cache + i * cacheStride, width: width,
                gain: gain, gainGradient: gainGradient)
        }
    }

    /// dL/dx of one row from dL/dy, into `target` (which may be `gradient`).
    static func backwardRow(
        _ gradient: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, cache: UnsafePointer<Float>,
        width: Int, gain: UnsafePointer<Float>, gainGradient: UnsafeMutablePointer<Float>?
    ) {
        let g = (0..<width).map { gradient[$0] * gain[$0] }
        var sum: Float = 0, projected: Float = 0
        for j in 0..<width {
            gainGradient?[j] += gradient[j] * cache[j]
            sum += g[j]
            projected += g[j] * cache[j]
        }
        let meanG = sum / Float(width), meanGX = projected / Float(width)
        for j in 0..<width { target[j] = (g[j] - meanG - cache[j] * meanGX) * cache[width] }
    }

    /// Twin of `LayerNormGateKernels.forwardStep`.
    package static func forwardStep(
        batch: Int, hidden: Int, time: Int, lengths: UnsafePointer<Int>, recurrentProduct: UnsafePointer<Float>,
        inputProjection: UnsafePointer<Float>, recurrentGain: UnsafePointer<Float>,
        recurrentBias: UnsafePointer<Float>, inputBias: UnsafePointer<Float>, previousState: UnsafePointer<Float>,
        state: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>?, outputStride: Int,
        gates: UnsafeMutablePointer<Float>?, candidateHiddenTerm: UnsafeMutablePointer<Float>?,
        cache: UnsafeMutablePointer<Float>?, cacheStride: Int
    ) {
        func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
        let width = 3 * hidden
        for b in 0..<batch {
            let active = time < lengths[b]
            let (x, inverseDeviation) = standardized(recurrentProduct + b * width, width: width)
            let gh = (0..<width).map { x[$0] * recurrentGain[$0] + recurrentBias[$0] }
            let gx = (0..<width).map { inputProjection[b * width + $0] + inputBias[$0] }
            for j in 0..<hidden {
                let r = sigmoid(gx[j] + gh[j]), z = sigmoid(gx[hidden + j] + gh[hidden + j])
                let n = tanh(gx[2 * hidden + j] + r * gh[2 * hidden + j])
                let previous = previousState[b * hidden + j]
                let h = (1 - z) * n + z * previous
                state[b * hidden + j] = active ? h : previous
                output?[b * outputStride + j] = active ? h : 0
                for (gate, value) in [r, z, n].enumerated() {
                    gates?[b * width + gate * hidden + j] = active ? value : 0
                }
                candidateHiddenTerm?[b * hidden + j] = active ? gh[2 * hidden + j] : 0
            }
            for j in 0..<width { cache?[b * cacheStride + j] = active ? x[j] : 0 }
            cache?[b * cacheStride + width] = active ? inverseDeviation : 0
        }
    }

    /// Twin of `LayerNormGateKernels.backwardStep`.
    package static func backwardStep(
        batch: Int, hidden: Int, time: Int, lengths: UnsafePointer<Int>, stateGradient: UnsafePointer<Float>,
        previousState: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>,
        candidateHiddenTerm: UnsafePointer<Float>, cache: UnsafePointer<Float>, cacheStride: Int,
        recurrentGain: UnsafePointer<Float>, inputProjectionGradient: UnsafeMutablePointer<Float>,
        previousStateGradient: UnsafeMutablePointer<Float>, productGradient: UnsafeMutablePointer<Float>
    ) {
        let width = 3 * hidden
        for b in 0..<batch {
            let row = gates + b * width, dgx = inputProjectionGradient + b * width
            let dProduct = productGradient + b * width
            guard time < lengths[b] else {
                for j in 0..<hidden { previousStateGradient[b * hidden + j] = stateGradient[b * hidden + j] }
                for j in 0..<width {
                    row[j] = 0
                    dgx[j] = 0
                    dProduct[j] = 0
                }
                continue
            }
            for j in 0..<hidden {
                let r = row[j], z = row[hidden + j], n = row[2 * hidden + j]
                let g = stateGradient[b * hidden + j]
                let dn = g * (1 - z) * (1 - n * n)
                let dz = g * (previousState[b * hidden + j] - n) * z * (1 - z)
                let dr = dn * candidateHiddenTerm[b * hidden + j] * r * (1 - r)
                previousStateGradient[b * hidden + j] = g * z
                dgx[j] = dr
                dgx[hidden + j] = dz
                dgx[2 * hidden + j] = dn
                row[j] = dr
                row[hidden + j] = dz
                row[2 * hidden + j] = dn * r
            }
            backwardRow(
                row, into: dProduct, cache: cache + b * cacheStride, width: width, gain: recurrentGain,
                gainGradient: nil)
        }
    }
}
