import Dispatch
import Foundation
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

    /// Runs all steps of one direction for inference, the state updated in place.
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
        let next = scratch + batch * 3 * hidden
        for step in 0..<steps {
            let time = reverse ? steps - 1 - step : step
            self.step(StepBuffers(
                projection: inputProjection + time * batch * 3 * hidden, state: state, next: next,
                gates: nil, auxiliary: nil, scratch: scratch, lengths: lengths), time: time, batch: batch)
            state.update(from: next, count: batch * hidden)
            emit(time, state)
        }
    }

    /// Runs all steps of one direction for training, keeping the caches backward needs.
    ///
    /// - Parameters:
    ///   - states: (T+1, B, H) by step, states[0] the initial state; receives every step's state.
    ///   - gates: (T, B, 3H) by step; auxiliary: (T, B, H) by step (W_hn h + b_hn).
    ///   - scratch: (B, 3H) for the shares' recurrent products.
    func runTraining(
        steps: Int, batch: Int, reverse: Bool, lengths: UnsafePointer<Int>,
        inputProjection: UnsafePointer<Float>, states: UnsafeMutablePointer<Float>,
        gates: UnsafeMutablePointer<Float>, auxiliary: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, emit: (Int, UnsafePointer<Float>) -> Void
    ) {
        for step in 0..<steps {
            let time = reverse ? steps - 1 - step : step
            let next = states + (step + 1) * batch * hidden
            self.step(StepBuffers(
                projection: inputProjection + time * batch * 3 * hidden, state: states + step * batch * hidden,
                next: next, gates: gates + step * batch * 3 * hidden, auxiliary: auxiliary + step * batch * hidden,
                scratch: scratch, lengths: lengths), time: time, batch: batch)
            emit(time, next)
        }
    }

    /// One step, each thread taking its share: its recurrent product (one GEMM) and its gates,
    /// with the caches when `buffers` has them.
    private func step(_ buffers: StepBuffers, time: Int, batch: Int) {
        let hidden = self.hidden, shares = self.shares
        DispatchQueue.concurrentPerform(iterations: shares.count) { part in
            let share = shares[part]
            let product = buffers.scratch + batch * 3 * share.first  // (B, 3w)
            let columns = 3 * share.width
            if let bias = share.bias {
                for row in 0..<batch { (product + row * columns).update(from: bias, count: columns) }
            }
            share.weights.withUnsafeBufferPointer { weights in
                Matmul.gemm(transposeA: false, transposeB: true, m: batch, n: columns, k: hidden,
                            a: buffers.state, lda: hidden, b: weights.baseAddress!, ldb: hidden,
                            beta: share.bias == nil ? 0 : 1, c: product, ldc: columns, parallel: false)
            }
            if let gates = buffers.gates, let auxiliary = buffers.auxiliary {
                GateKernels.resetAfterForward(
                    batch: batch, hidden: hidden, first: share.first, width: share.width, time: time,
                    lengths: buffers.lengths, inputProjection: buffers.projection, hiddenProjection: product,
                    previousState: buffers.state, state: buffers.next, gates: gates, candidateHiddenTerm: auxiliary)
            } else {
                GateKernels.resetAfterInference(
                    batch: batch, hidden: hidden, first: share.first, width: share.width, time: time,
                    lengths: buffers.lengths, inputProjection: buffers.projection, hiddenProjection: product,
                    previousState: buffers.state, state: buffers.next)
            }
        }
    }
}

// MARK: - Training

extension SplitRecurrence {
    /// Whether a step of this shape is worth splitting across threads: its recurrent product,
    /// 6 B H^2 operations, must be large next to the cost of waking a thread every step
    /// (measured: B = 32, H = 256 gains; B = 32, H = 128 and B = 8, H = 256 lose).
    static func pays(batch: Int, hidden: Int) -> Bool {
        threadCount > 1 && batch >= 8 && batch * hidden * hidden >= 1_500_000
    }

    /// The threads to split a step across: GRUKit's threads, at most 4.
    static var threadCount: Int { min(Matmul.threadCount, 4) }

    /// Walks one reset-after direction's steps in reverse with each step split across threads
    /// by hidden units: the gate gradients of a share's units, then, after all shares are done,
    /// that share's columns of dL/dh_{t-1} = dh * z + dGh W_hh[:, units].
    ///
    /// Same contract as the one-thread sweep: `stateGradient` holds dL/dh_T on entry and
    /// dL/dh_0 on return; the gates become dL/d(hidden projection) in place.
    static func sweepBackward(
        hidden: Int, steps: Int, batch: Int, reverse: Bool, lengths: UnsafePointer<Int>,
        recurrentWeight: UnsafePointer<Float>, states: UnsafePointer<Float>,
        gates: UnsafeMutablePointer<Float>, auxiliary: UnsafePointer<Float>,
        inputProjectionGradient: UnsafeMutablePointer<Float>,
        stateGradient: UnsafeMutablePointer<Float>, previousStateGradient: UnsafeMutablePointer<Float>,
        addOutputGradient: (Int, UnsafeMutablePointer<Float>) -> Void
    ) {
        let parts = threadCount
        let ranges = (0..<parts).map { (hidden * $0 / parts)..<(hidden * ($0 + 1) / parts) }
        var dh = stateGradient, dhPrevious = previousStateGradient  // swapped every step
        for step in stride(from: steps - 1, through: 0, by: -1) {
            let time = reverse ? steps - 1 - step : step
            addOutputGradient(time, dh)
            let buffers = BackwardStepBuffers(
                dh: dh, dhPrevious: dhPrevious, previous: states + step * batch * hidden,
                gates: gates + step * batch * 3 * hidden, auxiliary: auxiliary + step * batch * hidden,
                dInput: inputProjectionGradient + time * batch * 3 * hidden, weights: recurrentWeight,
                lengths: lengths)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let units = ranges[part]
                GateKernels.resetAfterBackward(
                    batch: batch, hidden: hidden, first: units.lowerBound, width: units.count, time: time,
                    lengths: buffers.lengths, stateGradient: buffers.dh, previousState: buffers.previous,
                    gates: buffers.gates, candidateHiddenTerm: buffers.auxiliary,
                    inputProjectionGradient: buffers.dInput, previousStateGradient: buffers.dhPrevious)
            }
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let units = ranges[part]
                Matmul.gemm(transposeA: false, transposeB: false, m: batch, n: units.count, k: 3 * hidden,
                            a: buffers.gates, lda: 3 * hidden, b: buffers.weights + units.lowerBound, ldb: hidden,
                            beta: 1, c: buffers.dhPrevious + units.lowerBound, ldc: hidden, parallel: false)
            }
            swap(&dh, &dhPrevious)
        }
        if dh != stateGradient { stateGradient.update(from: dh, count: batch * hidden) }
    }
}

/// One forward step's raw buffers, handed to the threads that share it; they write disjoint
/// parts. `gates` and `auxiliary` are the training caches, nil for inference.
private struct StepBuffers: @unchecked Sendable {
    let projection: UnsafePointer<Float>
    let state: UnsafeMutablePointer<Float>
    let next: UnsafeMutablePointer<Float>
    let gates: UnsafeMutablePointer<Float>?
    let auxiliary: UnsafeMutablePointer<Float>?
    let scratch: UnsafeMutablePointer<Float>
    let lengths: UnsafePointer<Int>
}

/// A backward step's raw buffers, handed to the threads that share it.
private struct BackwardStepBuffers: @unchecked Sendable {
    let dh: UnsafeMutablePointer<Float>
    let dhPrevious: UnsafeMutablePointer<Float>
    let previous: UnsafePointer<Float>
    let gates: UnsafeMutablePointer<Float>
    let auxiliary: UnsafePointer<Float>
    let dInput: UnsafeMutablePointer<Float>
    let weights: UnsafePointer<Float>
    let lengths: UnsafePointer<Int>
}
