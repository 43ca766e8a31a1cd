import CGateKernels
import Foundation
import GRUTensor

/// Bahdanau et al. 2014's additive attention over the encoder's outputs, for a decoder state
/// s (the query):
///
///     energy_j = tanh(W [s; o_j] + b),  score_j = v . energy_j,
///     a = softmax(score) over the source's valid steps,  weighted = sum_j a_j o_j
///
/// with W = [W_s | W_o] the `attention` layer (H, H + M) and v the `attention_v` layer (1, H),
/// without bias. The keys W_o o_j + b are computed once per sequence (`AttentionMemory`); each
/// step adds W_s s. The projections are GEMMs; the per-step energies, softmax, weighted sums and
/// their backward are C kernels (`attention_kernels.h`).
///
/// Legend: B rows, S source steps, H decoder hidden size (and attention size), M = D*H the
/// encoder outputs' width.
struct AdditiveAttention: DecoderAttention {
    let hidden: Int
    let memoryWidth: Int

    /// The attention weights' layout within their slices: `attention.weight` (H, H + M) then
    /// `attention.bias` (H); `attention_v.weight` (1, H).
    var weightCount: Int { hidden * (hidden + memoryWidth) + hidden }

    /// The energies tanh(W_s s + W_o o_j + b), H a source step.
    var energyWidth: Int { hidden }

    /// The keys W_o o + b (S, B, H).
    func memory(
        values: [Float], steps: Int, batch: Int, lengths: [Int], attention: UnsafeBufferPointer<Float>
    ) -> AttentionMemory {
        let h = hidden, m = memoryWidth, width = h + m, rows = steps * batch
        // keys = o W_o^T + b, W_o the last M columns of `attention.weight`.
        var keys = [Float](repeating: 0, count: rows * h)
        keys.withUnsafeMutableBufferPointer { k in
            for row in 0..<rows {
                (k.baseAddress! + row * h).update(from: attention.baseAddress! + h * width, count: h)
            }
            values.withUnsafeBufferPointer { o in
                Matmul.gemm(
                    transposeA: false, transposeB: true, m: rows, n: h, k: m, a: o.baseAddress!, lda: m,
                    b: attention.baseAddress! + h, ldb: width, beta: 1, c: k.baseAddress!, ldc: h)
            }
        }
        return AttentionMemory(steps: steps, batch: batch, values: values, keys: keys, lengths: lengths)
    }

    /// W_s s into `projected`, then the energies, softmax and weighted sums in C.
    func forward(
        query: UnsafePointer<Float>, memory: AttentionMemory, attention: UnsafeBufferPointer<Float>,
        vector: UnsafeBufferPointer<Float>, weights: UnsafeMutablePointer<Float>, energies: UnsafeMutablePointer<Float>,
        weighted: UnsafeMutablePointer<Float>, projected: UnsafeMutablePointer<Float>
    ) {
        let h = hidden, width = h + memoryWidth
        Matmul.gemm(
            transposeA: false, transposeB: true, m: memory.batch, n: h, k: h, a: query, lda: h,
            b: attention.baseAddress!, ldb: width, beta: 0, c: projected, ldc: h)
        gru_attention_forward(
            memory.batch, memory.steps, h, memoryWidth, memory.lengths, projected, memory.keys, memory.values,
            vector.baseAddress!, energies, weights, weighted)
    }

    /// The energies' and softmax's backward in C, then W_s s's.
    func backward(
        query: UnsafePointer<Float>, weights: UnsafePointer<Float>, energies: UnsafePointer<Float>,
        weightedGradient: UnsafePointer<Float>, memory: AttentionMemory, attention: UnsafeBufferPointer<Float>,
        vector: UnsafeBufferPointer<Float>, attentionGradient: UnsafeMutableBufferPointer<Float>,
        vectorGradient: UnsafeMutableBufferPointer<Float>, valueGradient: UnsafeMutablePointer<Float>,
        keyGradient: UnsafeMutablePointer<Float>, projectedGradient: UnsafeMutablePointer<Float>,
        queryGradient: UnsafeMutablePointer<Float>
    ) {
        let h = hidden, width = h + memoryWidth, b = memory.batch
        gru_attention_backward(
            b, memory.steps, h, memoryWidth, memory.lengths, memory.values, vector.baseAddress!, energies, weights,
            weightedGradient, vectorGradient.baseAddress!, valueGradient, keyGradient, projectedGradient)
        // W_s s: dW_s += dp^T s and dL/ds = dp W_s.
        Matmul.gemm(
            transposeA: true, transposeB: false, m: h, n: h, k: b, a: projectedGradient, lda: h, b: query, ldb: h,
            beta: 1, c: attentionGradient.baseAddress!, ldc: width)
        Matmul.gemm(
            transposeA: false, transposeB: false, m: b, n: h, k: h, a: projectedGradient, lda: h,
            b: attention.baseAddress!, ldb: width, beta: 0, c: queryGradient, ldc: h)
    }

    /// Backward of the keys W_o o + b: adds to W_o's and b's gradients and to dL/d o.
    func backwardKeys(
        keyGradient: [Float], memory: AttentionMemory, attention: UnsafeBufferPointer<Float>,
        attentionGradient: UnsafeMutableBufferPointer<Float>, valueGradient: inout [Float]
    ) {
        let h = hidden, m = memoryWidth, width = h + m, rows = memory.steps * memory.batch
        keyGradient.withUnsafeBufferPointer { dk in
            for row in 0..<rows {
                for i in 0..<h { attentionGradient[h * width + i] += dk[row * h + i] }
            }
            memory.values.withUnsafeBufferPointer { o in
                Matmul.gemm(
                    transposeA: true, transposeB: false, m: h, n: m, k: rows, a: dk.baseAddress!, lda: h,
                    b: o.baseAddress!, ldb: m, beta: 1, c: attentionGradient.baseAddress! + h, ldc: width)
            }
            valueGradient.withUnsafeMutableBufferPointer { dv in
                Matmul.gemm(
                    transposeA: false, transposeB: false, m: rows, n: m, k: h, a: dk.baseAddress!, lda: h,
                    b: attention.baseAddress! + h, ldb: width, beta: 1, c: dv.baseAddress!, ldc: m)
            }
        }
    }
}
