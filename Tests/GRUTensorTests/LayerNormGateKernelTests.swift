import Foundation
import GRUTensor
import GRUTestSupport
import Testing

/// The vectorized layer-norm GRU kernels against their Swift twins (`NaiveLayerNormGateKernels`):
/// the normalization of rows and its backward, and the fused forward and backward steps, on
/// random data with one row past its length, for sizes that are and are not multiples of the
/// vector width, with row strides wider than the rows.
@Suite(.tags(.unit))
struct LayerNormGateKernelTests {
    static let sizes = [(batch: 3, hidden: 1), (batch: 2, hidden: 16), (batch: 4, hidden: 37)]
    // Row 1 is past its length at time 2.
    static func lengths(_ batch: Int) -> [Int] { (0..<batch).map { $0 == 1 ? 2 : 5 } }

    static func random(_ count: Int, _ generator: inout SeededGenerator, scale: Float = 2) -> [Float] {
        (0..<count).map { _ in generator.uniform(-scale, scale) }
    }

    /// The values of each cache row that the kernels define: x̂ and 1 / sqrt(var + eps).
    static func definedCache(_ cache: [Float], rows: Int, width: Int) -> [Float] {
        let stride = LayerNormGateKernels.cacheStride(width: width)
        return (0..<rows).flatMap { cache[($0 * stride)..<($0 * stride + width + 1)] }
    }

    @Test(arguments: [12, 48, 111])
    func normalizationMatchesNaiveTwin(width: Int) {
        let rows = 5, stride = width + 3, cacheStride = LayerNormGateKernels.cacheStride(width: width)
        var generator = SeededGenerator(seed: 31)
        // Rows offset from zero, so that a mean is taken out.
        let x = Self.random(rows * stride, &generator).map { $0 + 3 }
        let gain = Self.random(width, &generator).map { 1 + $0 / 4 }
        let dy = Self.random(rows * stride, &generator)
        let startingGainGradient = Self.random(width, &generator)
        var results: [[[Float]]] = []
        for fast in [true, false] {
            var y = x, gradient = dy, gainGradient = startingGainGradient
            var cache = [Float](repeating: 9, count: rows * cacheStride)
            if fast {
                LayerNormGateKernels.normalizeRows(
                    rows: rows, width: width, matrix: &y, stride: stride, gain: gain, cache: &cache,
                    cacheStride: cacheStride)
                LayerNormGateKernels.backwardRows(
                    rows: rows, width: width, gradient: &gradient, stride: stride, cache: cache,
                    cacheStride: cacheStride, gain: gain, gainGradient: &gainGradient)
            } else {
                NaiveLayerNormGateKernels.normalizeRows(
                    rows: rows, width: width, matrix: &y, stride: stride, gain: gain, cache: &cache,
                    cacheStride: cacheStride)
                NaiveLayerNormGateKernels.backwardRows(
                    rows: rows, width: width, gradient: &gradient, stride: stride, cache: cache,
                    cacheStride: cacheStride, gain: gain, gainGradient: &gainGradient)
            }
            results.append([y, Self.definedCache(cache, rows: rows, width: width), gradient, gainGradient])
        }
        for (index, name) in ["normalized rows", "cache", "input gradient", "gain gradient"].enumerated() {
            expectApproximatelyEqual(
                results[0][index], results[1][index], absoluteTolerance: 5e-6, relativeTolerance: 2e-6, name)
        }
        // The values between rows are untouched.
        for row in 0..<rows {
            let gap = (row * stride + width)..<((row + 1) * stride)
            #expect(Array(results[0][0][gap]) == Array(x[gap]))
            #expect(Array(results[0][2][gap]) == Array(dy[gap]))
        }
        // Without a cache, the same normalized rows.
        var y = x
        LayerNormGateKernels.normalizeRows(
            rows: rows, width: width, matrix: &y, stride: stride, gain: gain, cache: nil, cacheStride: 0)
        #expect(y == results[0][0])
    }

    @Test(arguments: sizes)
    func forwardStepMatchesNaiveTwin(size: (batch: Int, hidden: Int)) {
        let (batch, hidden) = size
        let width = 3 * hidden, cacheStride = LayerNormGateKernels.cacheStride(width: width)
        var generator = SeededGenerator(seed: 37)
        let product = Self.random(batch * width, &generator).map { $0 + 1 }
        let gx = Self.random(batch * width, &generator), hp = Self.random(batch * hidden, &generator)
        let gain = Self.random(width, &generator).map { 1 + $0 / 4 }
        let recurrentBias = Self.random(width, &generator), inputBias = Self.random(width, &generator)
        let lengths = Self.lengths(batch)
        let outputStride = hidden + 3
        var results: [[[Float]]] = []
        for fast in [true, false] {
            var h = [Float](repeating: 9, count: batch * hidden), ghn = h
            var output = [Float](repeating: 9, count: batch * outputStride)
            var gates = [Float](repeating: 9, count: batch * width)
            var cache = [Float](repeating: 9, count: batch * cacheStride)
            let step = fast ? LayerNormGateKernels.forwardStep : NaiveLayerNormGateKernels.forwardStep
            step(
                batch, hidden, 2, lengths, product, gx, gain, recurrentBias, inputBias, hp, &h, &output, outputStride,
                &gates, &ghn, &cache, cacheStride)
            results.append([h, output, gates, ghn, Self.definedCache(cache, rows: batch, width: width)])
        }
        for (index, name) in ["state", "output", "gates", "gh_n", "cache"].enumerated() {
            expectApproximatelyEqual(
                results[0][index], results[1][index], absoluteTolerance: 5e-6, relativeTolerance: 2e-6, name)
        }
        // The row past its length carries its state, outputs zeros and caches zeros.
        #expect(Array(results[0][0][hidden..<(2 * hidden)]) == Array(hp[hidden..<(2 * hidden)]))
        #expect(results[0][1][outputStride..<(outputStride + hidden)].allSatisfy { $0 == 0 })
        #expect(results[0][2][width..<(2 * width)].allSatisfy { $0 == 0 })
        #expect(results[0][4][(width + 1)..<(2 * width + 2)].allSatisfy { $0 == 0 })
    }

    @Test(arguments: sizes)
    func backwardStepMatchesNaiveTwin(size: (batch: Int, hidden: Int)) {
        let (batch, hidden) = size
        let width = 3 * hidden, cacheStride = LayerNormGateKernels.cacheStride(width: width)
        var generator = SeededGenerator(seed: 41)
        let activated = Self.random(batch * width, &generator, scale: 1).map { abs($0) * 0.9 }
        let dh = Self.random(batch * hidden, &generator), hp = Self.random(batch * hidden, &generator)
        let ghn = Self.random(batch * hidden, &generator)
        let gain = Self.random(width, &generator).map { 1 + $0 / 4 }
        // A cache as forward leaves it: the normalized rows of a product.
        var cache = [Float](repeating: 0, count: batch * cacheStride)
        var product = Self.random(batch * width, &generator)
        NaiveLayerNormGateKernels.normalizeRows(
            rows: batch, width: width, matrix: &product, stride: width, gain: gain, cache: &cache,
            cacheStride: cacheStride)
        let lengths = Self.lengths(batch)
        var results: [[[Float]]] = []
        for fast in [true, false] {
            var gates = activated
            var dgx = [Float](repeating: 9, count: batch * width), dProduct = dgx
            var dhp = [Float](repeating: 9, count: batch * hidden)
            let step = fast ? LayerNormGateKernels.backwardStep : NaiveLayerNormGateKernels.backwardStep
            step(
                batch, hidden, 2, lengths, dh, hp, &gates, ghn, cache, cacheStride, gain, &dgx, &dhp, &dProduct)
            results.append([gates, dgx, dhp, dProduct])
        }
        for (index, name) in ["hidden projection gradient", "input projection gradient", "dh_prev", "product gradient"]
            .enumerated()
        {
            expectApproximatelyEqual(
                results[0][index], results[1][index], absoluteTolerance: 5e-6, relativeTolerance: 2e-6, name)
        }
        // The row past its length passes its gradient through and has no others.
        #expect(Array(results[0][2][hidden..<(2 * hidden)]) == Array(dh[hidden..<(2 * hidden)]))
        #expect(results[0][3][width..<(2 * width)].allSatisfy { $0 == 0 })
    }
}
