import Foundation

/// The slow, obvious twin of `LSTMGateKernels`: the same forward and backward gate math over
/// whole rows, as plain Swift loops with the C library's exp and tanh, used only by tests. See
/// `LSTMGateKernels` for the math, the legend, the buffers and the masking rule.
package enum NaiveLSTMGateKernels {
    /// Twin of `LSTMGateKernels.forward` over all H units.
    package static func forward(
        batch: Int, hidden: Int, time: Int, lengths: UnsafePointer<Int>,
        inputProjection: UnsafePointer<Float>, bias: UnsafePointer<Float>?, gates: UnsafeMutablePointer<Float>,
        previousState: UnsafePointer<Float>, previousCellState: UnsafePointer<Float>,
        state: UnsafeMutablePointer<Float>, cellState: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>?, outputStride: Int
    ) {
        func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
        for b in 0..<batch {
            let row = gates + b * 4 * hidden, gx = inputProjection + b * 4 * hidden
            for j in 0..<hidden {
                let active = time < lengths[b]
                var a = [Float](repeating: 0, count: 4)
                for gate in 0..<4 {
                    let k = gate * hidden + j
                    a[gate] = gx[k] + row[k] + (bias?[k] ?? 0)
                }
                let i = sigmoid(a[0]), f = sigmoid(a[1]), g = tanh(a[2]), o = sigmoid(a[3])
                let c = f * previousCellState[b * hidden + j] + i * g
                let h = o * tanh(c)
                for (gate, value) in [i, f, g, o].enumerated() { row[gate * hidden + j] = active ? value : 0 }
                cellState[b * hidden + j] = active ? c : previousCellState[b * hidden + j]
                state[b * hidden + j] = active ? h : previousState[b * hidden + j]
                output?[b * outputStride + j] = active ? h : 0
            }
        }
    }

    /// Twin of `LSTMGateKernels.backward` over all H units.
    package static func backward(
        batch: Int, hidden: Int, time: Int, lengths: UnsafePointer<Int>,
        stateGradient: UnsafePointer<Float>, cellStateGradient: UnsafePointer<Float>,
        previousCellState: UnsafePointer<Float>, cellState: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>,
        inputProjectionGradient: UnsafeMutablePointer<Float>, previousStateGradient: UnsafeMutablePointer<Float>,
        previousCellStateGradient: UnsafeMutablePointer<Float>
    ) {
        for b in 0..<batch {
            let row = gates + b * 4 * hidden, dgx = inputProjectionGradient + b * 4 * hidden
            for j in 0..<hidden {
                let u = b * hidden + j
                guard time < lengths[b] else {
                    previousStateGradient[u] = stateGradient[u]
                    previousCellStateGradient[u] = cellStateGradient[u]
                    for gate in 0..<4 {
                        row[gate * hidden + j] = 0
                        dgx[gate * hidden + j] = 0
                    }
                    continue
                }
                let i = row[j], f = row[hidden + j], g = row[2 * hidden + j], o = row[3 * hidden + j]
                let tc = tanh(cellState[u]), dh = stateGradient[u]
                let dc = cellStateGradient[u] + dh * o * (1 - tc * tc)
                let d = [
                    dc * g * i * (1 - i), dc * previousCellState[u] * f * (1 - f), dc * i * (1 - g * g),
                    dh * tc * o * (1 - o),
                ]
                for gate in 0..<4 {
                    row[gate * hidden + j] = d[gate]
                    dgx[gate * hidden + j] = d[gate]
                }
                previousCellStateGradient[u] = dc * f
                previousStateGradient[u] = 0
            }
        }
    }
}
