import Foundation

/// How a decoder state s (the query) reads the encoder's outputs o: weights a over the
/// source's valid steps, and the weighted sum of the outputs, sum_j a_j o_j. Additive
/// (`AdditiveAttention`) and multiplicative (`MultiplicativeAttention`) attention differ only
/// in the scores; the decoder's training pass and beam search take either.
///
/// The `attention` and `vector` slices are the model's `attention` and `attention_v` layers
/// (`vector` empty where there is none); the pointer forms write into buffers a training pass
/// sizes once for all its steps.
///
/// Legend: B rows, S source steps, H decoder hidden size (and key size), M = D*H the encoder
/// outputs' width.
protocol DecoderAttention {
    /// H.
    var hidden: Int { get }
    /// M.
    var memoryWidth: Int { get }
    /// Floats per (row, source step) that a step keeps for its backward in `energies`: H for
    /// the additive energies, 0 for none.
    var energyWidth: Int { get }

    /// The memory of outputs o (S, B, M), zero past each row's length: o and its keys.
    func memory(values: [Float], steps: Int, batch: Int, lengths: [Int], attention: UnsafeBufferPointer<Float>)
        -> AttentionMemory

    /// One step for the queries (B, H): writes the weights (B, S), zero past each length, the
    /// energies (B, S, `energyWidth`) and the weighted sums (B, M); `projected` (B, H) is room.
    func forward(
        query: UnsafePointer<Float>, memory: AttentionMemory, attention: UnsafeBufferPointer<Float>,
        vector: UnsafeBufferPointer<Float>, weights: UnsafeMutablePointer<Float>, energies: UnsafeMutablePointer<Float>,
        weighted: UnsafeMutablePointer<Float>, projected: UnsafeMutablePointer<Float>)

    /// Backward of one step (its query, weights and energies as `forward` left them) from
    /// dL/d weighted (B, M): adds to the layers' gradients, to dL/d o (`valueGradient`,
    /// (S, B, M)) and dL/d keys (`keyGradient`, (S, B, H)), and writes dL/d query (B, H) into
    /// `queryGradient`; `projectedGradient` (B, H) is room.
    func backward(
        query: UnsafePointer<Float>, weights: UnsafePointer<Float>, energies: UnsafePointer<Float>,
        weightedGradient: UnsafePointer<Float>, memory: AttentionMemory, attention: UnsafeBufferPointer<Float>,
        vector: UnsafeBufferPointer<Float>, attentionGradient: UnsafeMutableBufferPointer<Float>,
        vectorGradient: UnsafeMutableBufferPointer<Float>, valueGradient: UnsafeMutablePointer<Float>,
        keyGradient: UnsafeMutablePointer<Float>, projectedGradient: UnsafeMutablePointer<Float>,
        queryGradient: UnsafeMutablePointer<Float>)

    /// Backward of the keys from dL/d keys, after every step's: adds to the `attention`
    /// layer's gradient and to dL/d o.
    func backwardKeys(
        keyGradient: [Float], memory: AttentionMemory, attention: UnsafeBufferPointer<Float>,
        attentionGradient: UnsafeMutableBufferPointer<Float>, valueGradient: inout [Float])
}

/// The encoder's outputs o (S, B, M), zero past each row's length, their keys (S, B, H) as the
/// attention computes them once a sequence, and the rows' lengths.
struct AttentionMemory {
    let steps: Int, batch: Int
    let values: [Float]
    let keys: [Float]
    let lengths: [Int]
}

extension DecoderAttention {
    /// One step's weighted sums (B, M) for the queries (B, H), for decoding.
    func weighted(
        query: [Float], memory: AttentionMemory, attention: UnsafeBufferPointer<Float>,
        vector: UnsafeBufferPointer<Float>
    ) -> [Float] {
        let s = memory.steps, b = memory.batch
        var weights = [Float](repeating: 0, count: b * s)
        var energies = [Float](repeating: 0, count: max(b * s * energyWidth, 1))
        var weighted = [Float](repeating: 0, count: b * memoryWidth)
        var projected = [Float](repeating: 0, count: b * hidden)
        query.withUnsafeBufferPointer { q in
            forward(
                query: q.baseAddress!, memory: memory, attention: attention, vector: vector, weights: &weights,
                energies: &energies, weighted: &weighted, projected: &projected)
        }
        return weighted
    }
}
