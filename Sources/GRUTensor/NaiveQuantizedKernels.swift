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

    /// out[b, o] = ((p_0 + p_1) + (p_2 + p_3)) + bias[o] for `weights` (3H, K) floats: w and
    /// x the bf16 operands of the weights and of the row (`bf16Operand`), K padded to even with
    /// zeros, and p_c the sums over the pairs j = c (mod 4), j ascending, of
    /// p_c = fma(w[2j], x[2j], fma(w[2j+1], x[2j+1], p_c)): VDPBF16PS's order.
    package static func bf16Product(weights: [Float], bias: [Float], input: [Float], rows: Int, columns: Int)
        -> [Float]
    {
        let outputs = weights.count / columns, pairs = (columns + 1) / 2
        func operand(_ values: [Float], _ row: Int, _ k: Int) -> Float {
            k < columns ? bf16Operand(values[row * columns + k]) : 0
        }
        var out = [Float](repeating: 0, count: rows * outputs)
        for b in 0..<rows {
            for o in 0..<outputs {
                var partial: [Float] = [0, 0, 0, 0]
                for j in 0..<pairs {
                    let odd = partial[j % 4].addingProduct(operand(weights, o, 2 * j + 1), operand(input, b, 2 * j + 1))
                    partial[j % 4] = odd.addingProduct(operand(weights, o, 2 * j), operand(input, b, 2 * j))
                }
                out[b * outputs + o] = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + bias[o]
            }
        }
        return out
    }

    /// The bfloat16 nearest `value` (ties to even) as a float.
    package static func bf16Rounded(_ value: Float) -> Float {
        gru_float_from_bf16(gru_bf16_from_float(value))
    }

    /// The bf16 operand of `value` as a float: `bf16Rounded`, and a zero of its sign below
    /// 2^-56 in magnitude; what the bf16 packing keeps and the product multiplies.
    package static func bf16Operand(_ value: Float) -> Float {
        gru_float_from_bf16(gru_bf16_operand(value))
    }
}
