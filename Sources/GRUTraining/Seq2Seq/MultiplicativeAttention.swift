import CGateKernels
import GRUTensor

/// Luong et al. 2015's multiplicative attention in its general form, over the encoder's
/// outputs, for a decoder state s (the query):
///
///     score_j = s^T W o_j,  a = softmax(score) over the source's valid steps,
///     weighted = sum_j a_j o_j
///
/// with W the `attention` layer (H, M), without bias, and no `attention_v`. The keys
/// k_j = W o_j are one GEMM a sequence (`AttentionMemory`), so a step is the dot products
/// s . k_j, the softmax and the weighted sum, with nothing to keep for backward beyond the
/// weights. Its backward:
///
///     da_j = dweighted . o_j,  dscore_j = a_j (da_j - sum_i a_i da_i),
///     ds = sum_j dscore_j k_j,  dk_j = dscore_j s,  do_j += a_j dweighted
///
/// Legend: B rows, S source steps, H decoder hidden size (and key size), M = D*H the encoder
/// outputs' width.
struct MultiplicativeAttention: DecoderAttention {
    let hidden: Int
    let memoryWidth: Int

    /// Nothing: a step's backward needs only its weights and the keys.
    var energyWidth: Int { 0 }

    /// The keys W o (S, B, H).
    func memory(
        values: [Float], steps: Int, batch: Int, lengths: [Int], attention: UnsafeBufferPointer<Float>
    ) -> AttentionMemory {
        let h = hidden, m = memoryWidth, rows = steps * batch
        var keys = [Float](repeating: 0, count: rows * h)
        values.withUnsafeBufferPointer { o in
            keys.withUnsafeMutableBufferPointer { k in
                Matmul.gemm(
                    transposeA: false, transposeB: true, m: rows, n: h, k: m, a: o.baseAddress!, lda: m,
                    b: attention.baseAddress!, ldb: m, beta: 0, c: k.baseAddress!, ldc: h)
            }
        }
        return AttentionMemory(steps: steps, batch: batch, values: values, keys: keys, lengths: lengths)
    }

    /// The scores, softmax and weighted sums in C (`gru_multiplicative_attention_forward`).
    func forward(
        query: UnsafePointer<Float>, memory: AttentionMemory, attention: UnsafeBufferPointer<Float>,
        vector: UnsafeBufferPointer<Float>, weights: UnsafeMutablePointer<Float>, energies: UnsafeMutablePointer<Float>,
        weighted: UnsafeMutablePointer<Float>, projected: UnsafeMutablePointer<Float>
    ) {
        gru_multiplicative_attention_forward(
            memory.batch, memory.steps, hidden, memoryWidth, memory.lengths, query, memory.keys, memory.values, weights,
            weighted)
    }

    /// The softmax's and the scores' backward in C (`gru_multiplicative_attention_backward`).
    func backward(
        query: UnsafePointer<Float>, weights: UnsafePointer<Float>, energies: UnsafePointer<Float>,
        weightedGradient: UnsafePointer<Float>, memory: AttentionMemory, attention: UnsafeBufferPointer<Float>,
        vector: UnsafeBufferPointer<Float>, attentionGradient: UnsafeMutableBufferPointer<Float>,
        vectorGradient: UnsafeMutableBufferPointer<Float>, valueGradient: UnsafeMutablePointer<Float>,
        keyGradient: UnsafeMutablePointer<Float>, projectedGradient: UnsafeMutablePointer<Float>,
        queryGradient: UnsafeMutablePointer<Float>
    ) {
        gru_multiplicative_attention_backward(
            memory.batch, memory.steps, hidden, memoryWidth, memory.lengths, query, memory.keys, memory.values, weights,
            weightedGradient, valueGradient, keyGradient, queryGradient)
    }

    /// dW += dK^T o and dL/d o += dK W.
    func backwardKeys(
        keyGradient: [Float], memory: AttentionMemory, attention: UnsafeBufferPointer<Float>,
        attentionGradient: UnsafeMutableBufferPointer<Float>, valueGradient: inout [Float]
    ) {
        let h = hidden, m = memoryWidth, rows = memory.steps * memory.batch
        keyGradient.withUnsafeBufferPointer { dk in
            memory.values.withUnsafeBufferPointer { o in
                Matmul.gemm(
                    transposeA: true, transposeB: false, m: h, n: m, k: rows, a: dk.baseAddress!, lda: h,
                    b: o.baseAddress!, ldb: m, beta: 1, c: attentionGradient.baseAddress!, ldc: m)
            }
            valueGradient.withUnsafeMutableBufferPointer { dv in
                Matmul.gemm(
                    transposeA: false, transposeB: false, m: rows, n: m, k: h, a: dk.baseAddress!, lda: h,
                    b: attention.baseAddress!, ldb: m, beta: 1, c: dv.baseAddress!, ldc: m)
            }
        }
    }
}
