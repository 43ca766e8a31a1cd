import GRUTensor

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
    /// The keep factors of a direction: a (T, B, H) mask by time, or at inference one (H) row
    /// of the probability that every row and step reads (row stride 0), so that the step
    /// loops read factors from memory either way, without a branch per unit.
    struct Keep {
        private let expectationRow: ScratchBuffer?
        private let factors: UnsafePointer<Float>
        private let rowStride: Int

        init(_ trace: RecurrentDirectionTrace, hidden: Int) {
            if let mask = trace.zoneoutMask {
                expectationRow = nil
                factors = UnsafePointer(mask.pointer)
                rowStride = hidden
            } else {
                let row = ScratchBuffer(count: hidden)
                row.pointer.update(repeating: trace.zoneoutExpectation, count: hidden)
                expectationRow = row
                factors = UnsafePointer(row.pointer)
                rowStride = 0
            }
        }

        /// The factors of row b at `time`, indexed by unit.
        @inline(__always)
        func row(time: Int, row: Int, batch: Int) -> UnsafePointer<Float> {
            factors + (time * batch + row) * rowStride
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
            let factors = keep.row(time: time, row: b, batch: batch)
            for u in units {
                let m = factors[u]
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
            let factors = keep.row(time: time, row: b, batch: batch)
            for u in units {
                let m = factors[u]
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
