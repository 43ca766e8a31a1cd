import CGateKernels

/// The slow, obvious twin of `QuantizedPanels.product`: the same arithmetic as
/// `quantized_kernels.h` defines it, output by output in plain Swift loops on the unpacked
/// matrix, so that tests can ask for equality, not closeness. Used only by tests.
///
/// Legend: B rows, K inner size, H hidden size; outputs (B, 3H) row-major.
package enum NaiveQuantizedKernels {
    /// out[b, o] = fma(float(sum_k q_w[o, k] q_x[b, k]), s_w[o] * s_x[b], bias[o]) for every
    /// output o of `weights` (3H, K), each row of `input` (B, K) quantized as `Int8Rows` does.
    package static func int8Product(weights: Int8Rows, bias: [Float], input: [Float], rows: Int) -> [Float] {
        let outputs = weights.rows, columns = weights.columns
        var out = [Float](repeating: 0, count: rows * outputs)
        for b in 0..<rows {
            var levels = [Int32](repeating: 0, count: columns)
            let scale = input.withUnsafeBufferPointer { row in
                Int8Rows.quantize(row.baseAddress! + b * columns, count: columns) { k, level in levels[k] = level }
            }
            for o in 0..<outputs {
                var sum: Int32 = 0
                for k in 0..<columns { sum += Int32(weights.values[o * columns + k]) * levels[k] }
                out[b * outputs + o] = bias[o].addingProduct(Float(sum), weights.scales[o] * scale)
            }
        }
        return out
    }

    /// out[b, o] = ((p_0 + p_1) + (p_2 + p_3)) + bias[o], p_c the fused sums over k = c (mod 4),
    /// k ascending, of bf16(w[o, k]) x[b, k], for `weights` (3H, K) floats.
    package static func bf16Product(weights: [Float], bias: [Float], input: [Float], rows: Int, columns: Int)
        -> [Float]
    {
        let outputs = weights.count / columns
        var out = [Float](repeating: 0, count: rows * outputs)
        for b in 0..<rows {
            for o in 0..<outputs {
                var partial: [Float] = [0, 0, 0, 0]
                for k in 0..<columns {
                    let weight = gru_float_from_bf16(gru_bf16_from_float(weights[o * columns + k]))
                    partial[k % 4] = partial[k % 4].addingProduct(weight, input[b * columns + k])
                }
                out[b * outputs + o] = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + bias[o]
            }
        }
        return out
    }

    /// The bfloat16 nearest `value` (ties to even) as a float: what the bf16 packing keeps.
    package static func bf16Rounded(_ value: Float) -> Float {
        gru_float_from_bf16(gru_bf16_from_float(value))
    }
}
