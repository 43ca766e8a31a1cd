import Foundation

/// Bahdanau et al. 2014's additive attention over the encoder's outputs, for a decoder state
/// s (the query):
///
///     energy_j = tanh(W [s; o_j] + b),  score_j = v . energy_j,
///     a = softmax(score) over the source's valid steps,  weighted = sum_j a_j o_j
///
/// with W = [W_s | W_o] the `attention` layer (H, H + M) and v the `attention_v` layer (1, H),
/// without bias. The keys W_o o_j + b are computed once per sequence (`Memory`); each step
/// adds W_s s. Its backward is written out here: the layers' products are small and per step.
///
/// Legend: B rows, S source steps, H decoder hidden size (and attention size), M = D*H the
/// encoder outputs' width.
struct AdditiveAttention {
    let hidden: Int
    let memoryWidth: Int

    /// The attention weights' layout within their slices: `attention.weight` (H, H + M) then
    /// `attention.bias` (H); `attention_v.weight` (1, H).
    var weightCount: Int { hidden * (hidden + memoryWidth) + hidden }

    /// The encoder's outputs o (S, B, M), zero past each row's length, and their keys
    /// W_o o + b (S, B, H).
    struct Memory {
        let steps: Int, batch: Int
        let values: [Float]
        let keys: [Float]
        let lengths: [Int]
    }

    /// One step's attention: the weights a (B, S), zero past each length; the energies
    /// (B, S, H); the weighted sums (B, M); the query (B, H).
    struct Step {
        let weights: [Float]
        let energies: [Float]
        let weighted: [Float]
        let query: [Float]
    }

    func memory(
        values: [Float], steps: Int, batch: Int, lengths: [Int], attention: UnsafeBufferPointer<Float>
    ) -> Memory {
        let h = hidden, m = memoryWidth, width = h + m
        var keys = [Float](repeating: 0, count: steps * batch * h)
        for row in 0..<(steps * batch) {
            for i in 0..<h {
                var sum = Double(attention[h * width + i])
                for k in 0..<m { sum += Double(attention[i * width + h + k]) * Double(values[row * m + k]) }
                keys[row * h + i] = Float(sum)
            }
        }
        return Memory(steps: steps, batch: batch, values: values, keys: keys, lengths: lengths)
    }

    func forward(
        query: [Float], memory: Memory, attention: UnsafeBufferPointer<Float>, vector: UnsafeBufferPointer<Float>
    ) -> Step {
        let h = hidden, m = memoryWidth, width = h + m, s = memory.steps, b = memory.batch
        var weights = [Float](repeating: 0, count: b * s), energies = [Float](repeating: 0, count: b * s * h)
        var weighted = [Float](repeating: 0, count: b * m)
        for row in 0..<b {
            var projected = [Double](repeating: 0, count: h)
            for i in 0..<h {
                for k in 0..<h { projected[i] += Double(attention[i * width + k]) * Double(query[row * h + k]) }
            }
            let valid = memory.lengths[row]
            var scores = [Double](repeating: 0, count: valid)
            for j in 0..<valid {
                let key = (j * b + row) * h
                var score = 0.0
                for i in 0..<h {
                    let energy = tanh(projected[i] + Double(memory.keys[key + i]))
                    energies[(row * s + j) * h + i] = Float(energy)
                    score += Double(vector[i]) * energy
                }
                scores[j] = score
            }
            let largest = scores.max()!
            let total = scores.reduce(0.0) { $0 + exp($1 - largest) }
            for j in 0..<valid {
                let a = exp(scores[j] - largest) / total
                weights[row * s + j] = Float(a)
                for k in 0..<m { weighted[row * m + k] += Float(a) * memory.values[(j * b + row) * m + k] }
            }
        }
        return Step(weights: weights, energies: energies, weighted: weighted, query: query)
    }

    /// Backward of one step from dL/d weighted (B, M): adds to the layers' gradients, to
    /// dL/d o (`valueGradient`, (S, B, M)) and dL/d keys (`keyGradient`, (S, B, H)), and
    /// returns dL/d query (B, H).
    func backward(
        _ step: Step, weightedGradient: [Float], memory: Memory, attention: UnsafeBufferPointer<Float>,
        vector: UnsafeBufferPointer<Float>, attentionGradient: UnsafeMutableBufferPointer<Float>,
        vectorGradient: UnsafeMutableBufferPointer<Float>, valueGradient: inout [Float], keyGradient: inout [Float]
    ) -> [Float] {
        let h = hidden, m = memoryWidth, width = h + m, s = memory.steps, b = memory.batch
        var queryGradient = [Float](repeating: 0, count: b * h)
        for row in 0..<b {
            let valid = memory.lengths[row]
            // dL/da_j = dL/dweighted . o_j, and the weighted sum's part of dL/do_j.
            var weightGradient = [Double](repeating: 0, count: valid)
            for j in 0..<valid {
                let a = step.weights[row * s + j], value = (j * b + row) * m
                var dot = 0.0
                for k in 0..<m {
                    let g = weightedGradient[row * m + k]
                    dot += Double(g) * Double(memory.values[value + k])
                    valueGradient[value + k] += a * g
                }
                weightGradient[j] = dot
            }
            // Through the softmax: dscore_j = a_j (da_j - sum_k a_k da_k).
            var mean = 0.0
            for j in 0..<valid { mean += Double(step.weights[row * s + j]) * weightGradient[j] }
            var projectedGradient = [Double](repeating: 0, count: h)
            for j in 0..<valid {
                let scoreGradient = Double(step.weights[row * s + j]) * (weightGradient[j] - mean)
                let key = (j * b + row) * h
                for i in 0..<h {
                    let energy = Double(step.energies[(row * s + j) * h + i])
                    vectorGradient[i] += Float(scoreGradient * energy)
                    let preactivation = scoreGradient * Double(vector[i]) * (1 - energy * energy)
                    projectedGradient[i] += preactivation
                    keyGradient[key + i] += Float(preactivation)
                }
            }
            // W_s s: its weight's gradient and dL/ds.
            for i in 0..<h {
                for k in 0..<h {
                    attentionGradient[i * width + k] += Float(projectedGradient[i] * Double(step.query[row * h + k]))
                    queryGradient[row * h + k] += Float(projectedGradient[i] * Double(attention[i * width + k]))
                }
            }
        }
        return queryGradient
    }

    /// Backward of the keys W_o o + b from dL/d keys: adds to W_o's and b's gradients and to
    /// dL/d o.
    func backwardKeys(
        keyGradient: [Float], memory: Memory, attention: UnsafeBufferPointer<Float>,
        attentionGradient: UnsafeMutableBufferPointer<Float>, valueGradient: inout [Float]
    ) {
        let h = hidden, m = memoryWidth, width = h + m
        for row in 0..<(memory.steps * memory.batch) {
            for i in 0..<h {
                let g = keyGradient[row * h + i]
                guard g != 0 else { continue }
                attentionGradient[h * width + i] += g
                for k in 0..<m {
                    attentionGradient[i * width + h + k] += g * memory.values[row * m + k]
                    valueGradient[row * m + k] += g * attention[i * width + h + k]
                }
            }
        }
    }
}
