import GRUTensor

/// What a GRU forward pass keeps for its backward pass (backpropagation through time).
///
/// Legend: T sequence length, B batch, H hidden size, D directions. Buffers are time-major.
/// "Step" s counts in processing order: time t = s forward, t = T - 1 - s in reverse.
public struct GRUTrace: Sendable {
    /// The layout the caller's tensors use.
    public let layout: SequenceLayout
    /// T.
    public let sequenceLength: Int
    /// B.
    public let batchSize: Int
    /// Valid steps per sequence; T for every sequence when no lengths were given.
    public let lengths: [Int]
    /// The input of layer 0, time-major. // (T, B, I)
    let input: ScratchBuffer
    /// Each layer's output, the input of the next. // (T, B, D*H)
    let layerOutputs: [ScratchBuffer]
    /// Per layer, per direction.
    let directions: [[GRUDirectionTrace]]
}

/// The per-step caches of one layer and direction.
struct GRUDirectionTrace: Sendable {
    /// Hidden states by step; states[0] is the initial state. // (T+1, B, H)
    let states: ScratchBuffer
    /// Activated gates r, z, n by step; zero on masked rows. // (T, B, 3H)
    let gates: ScratchBuffer
    /// By step: reset-after keeps W_hn h + b_hn, reset-before keeps r * h. // (T, B, H)
    let auxiliary: ScratchBuffer
}
