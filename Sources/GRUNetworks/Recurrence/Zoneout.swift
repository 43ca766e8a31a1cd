/// Zoneout (Krueger et al. 2016) on the hidden state, for every cell: the sweep runs the
/// cell's step to a candidate h~_t, then each unit keeps its previous value with mask m,
///
///     h_t = m h_{t-1} + (1 - m) h~_t,
///
/// m ~ Bernoulli(p) per step, row and unit in training, m = p (the expectation) at inference.
/// The output at step t is the zoned-out h_t. Rows past their length are left as the cell
/// left them (the state carried, the output zero). Backward splits dL/dh_t into
/// dL/dh~_t = dL/dh_t (1 - m), for the cell, and dL/dh_t m, added to dL/dh_{t-1}.
///
/// Legend: T steps, B batch, H hidden size. Pointers start at row 0 of their step; `rows` and
/// `units` are one thread's share.
enum Zoneout {
    /// The keep factors of a direction: a (T, B, H) mask by time, or one probability.
    struct Keep {
        let mask: UnsafePointer<Float>?
        let expectation: Float

        init(_ trace: RecurrentDirectionTrace) {
            mask = trace.zoneoutMask.map { UnsafePointer($0.pointer) }
            expectation = trace.zoneoutExpectation
        }

        /// The factor of row b, unit u at `time`.
        @inline(__always)
        func at(time: Int, row: Int, unit: Int, batch: Int, hidden: Int) -> Float {
            mask.map { $0[(time * batch + row) * hidden + unit] } ?? expectation
        }
    }

    /// Zones out the rows valid at `time`: state = m previous + (1 - m) state, and the output
    /// row = state.
    static func forward(
        _ keep: Keep, time: Int, batch: Int, hidden: Int, rows: Range<Int>, units: Range<Int>,
        lengths: UnsafePointer<Int>, previousState: UnsafePointer<Float>, state: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        for b in rows where time < lengths[b] {
            for u in units {
                let m = keep.at(time: time, row: b, unit: u, batch: batch, hidden: hidden)
                let h = m * previousState[b * hidden + u] + (1 - m) * state[b * hidden + u]
                state[b * hidden + u] = h
                output[b * outputStride + u] = h
            }
        }
    }

    /// For the rows valid at `time`: carry = dL/dh_t m, and dL/dh_t *= 1 - m in place.
    static func splitGradient(
        _ keep: Keep, time: Int, batch: Int, hidden: Int, rows: Range<Int>, units: Range<Int>,
        lengths: UnsafePointer<Int>, stateGradient: UnsafeMutablePointer<Float>, carry: UnsafeMutablePointer<Float>
    ) {
        for b in rows where time < lengths[b] {
            for u in units {
                let m = keep.at(time: time, row: b, unit: u, batch: batch, hidden: hidden)
                let dh = stateGradient[b * hidden + u]
                carry[b * hidden + u] = dh * m
                stateGradient[b * hidden + u] = dh * (1 - m)
            }
        }
    }

    /// dL/dh_{t-1} += carry for the rows valid at `time`.
    static func addCarry(
        _ carry: UnsafePointer<Float>, time: Int, hidden: Int, rows: Range<Int>, units: Range<Int>,
        lengths: UnsafePointer<Int>, into previousStateGradient: UnsafeMutablePointer<Float>
    ) {
        for b in rows where time < lengths[b] {
            for u in units { previousStateGradient[b * hidden + u] += carry[b * hidden + u] }
        }
    }
}
