import Dispatch
import GRUTensor

/// One reset-after direction's recurrence split across threads by hidden units, for
/// inference on batches large enough to pay for it.
///
/// Thread p owns units first_p..<first_p + w_p: its rows of W_hh (r, z and n of those units,
/// packed as one (3 w_p, H) matrix), its (B, 3 w_p) slice of the recurrent product, and its
/// columns of the new state. Each step is then one single-threaded GEMM and one gate pass per
/// thread, with one join per step, instead of a two-thread BLAS call (with its own internal
/// synchronization) followed by a one-thread gate pass.
///
/// Legend: B batch, H hidden size, w a thread's share of the units.
final class SplitRecurrence: @unchecked Sendable {
    /// One thread's share.
    struct Share {
        let first: Int
        let width: Int
        let weights: [Float]  // (3w, H): rows r, z, n of units first..<first + width
        let bias: [Float]?  // (3w)
    }

    let hidden: Int
    let shares: [Share]

    /// The shares of W_hh (3H, H) and b_hh (3H), split into `parts` nearly equal unit ranges.
    init(hidden: Int, recurrentWeight: UnsafePointer<Float>, recurrentBias: UnsafePointer<Float>?, parts: Int) {
        self.hidden = hidden
        var shares: [Share] = []
        for part in 0..<parts {
            let first = hidden * part / parts, end = hidden * (part + 1) / parts, width = end - first
            var weights = [Float](repeating: 0, count: 3 * width * hidden)
            var bias: [Float]? = recurrentBias == nil ? nil : [Float](repeating: 0, count: 3 * width)
            for gate in 0..<3 {
                for unit in 0..<width {
                    let source = (gate * hidden + first + unit) * hidden
                    let target = (gate * width + unit) * hidden
                    for k in 0..<hidden { weights[target + k] = recurrentWeight[source + k] }
                    bias?[gate * width + unit] = recurrentBias![gate * hidden + first + unit]
                }
            }
            shares.append(Share(first: first, width: width, weights: weights, bias: bias))
        }
        self.shares = shares
    }

    /// Runs all steps of one direction, writing each step's state into `states`.
    ///
    /// - Parameters:
    ///   - inputProjection: (T*B, 3H), all steps' W_ih x + b_ih.
    ///   - state: (B, H) the initial state on entry, the final state on return.
    ///   - scratch: (B, 3H) plus (B, H): room for every share's recurrent product and the next state.
    ///   - emit: called after each step with its time and the new state, on the calling thread.
    func run(
        steps: Int, batch: Int, reverse: Bool, lengths: UnsafePointer<Int>,
        inputProjection: UnsafePointer<Float>, state: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, emit: (Int, UnsafePointer<Float>) -> Void
    ) {
        let hidden = self.hidden
        let next = scratch + batch * 3 * hidden
        // BLAS runs single-threaded inside each share; restore its setting afterwards.
        let blasThreads = BLASLibrary.threadCount
        BLASLibrary.threadCount = 1
        defer { BLASLibrary.threadCount = blasThreads }
        let shares = self.shares
        for step in 0..<steps {
            let time = reverse ? steps - 1 - step : step
            // Each thread writes only its own product slice and state columns.
            let buffers = StepBuffers(
                projection: inputProjection + time * batch * 3 * hidden, state: state, next: next,
                scratch: scratch, lengths: lengths)
            DispatchQueue.concurrentPerform(iterations: shares.count) { part in
                let share = shares[part]
                let (projection, state, next, lengths) = (buffers.projection, buffers.state, buffers.next, buffers.lengths)
                let product = buffers.scratch + batch * 3 * share.first  // (B, 3w)
                let columns = 3 * share.width
                if let bias = share.bias {
                    for row in 0..<batch { (product + row * columns).update(from: bias, count: columns) }
                }
                share.weights.withUnsafeBufferPointer { weights in
                    Matmul.gemm(transposeA: false, transposeB: true, m: batch, n: columns, k: hidden,
                                a: state, lda: hidden, b: weights.baseAddress!, ldb: hidden,
                                beta: share.bias == nil ? 0 : 1, c: product, ldc: columns)
                }
                GateKernels.resetAfterInference(
                    batch: batch, hidden: hidden, first: share.first, width: share.width, time: time,
                    lengths: lengths, inputProjection: projection, hiddenProjection: product,
                    previousState: state, state: next)
            }
            state.update(from: next, count: batch * hidden)
            emit(time, state)
        }
    }
}

/// The raw buffers of one step, handed to the threads that share it; they write disjoint parts.
private struct StepBuffers: @unchecked Sendable {
    let projection: UnsafePointer<Float>
    let state: UnsafeMutablePointer<Float>
    let next: UnsafeMutablePointer<Float>
    let scratch: UnsafeMutablePointer<Float>
    let lengths: UnsafePointer<Int>
}
