/// The processes that train one model together, data parallel: each computes the gradients
/// of its part of every global batch, `sum` adds their buffers elementwise, and every process
/// applies the same optimizer step. The trainer needs nothing else of the transport; MPI is
/// one (`GRUDistributed`), a single process the trivial one.
public protocol ProcessGroup: AnyObject {
    /// This process's number, 0 ..< `size`; process 0 writes the model directory.
    var rank: Int { get }
    /// How many processes train together.
    var size: Int { get }
    /// Replaces `values` on every process by their elementwise sum over the group, the same
    /// floats on every process.
    func sum(_ values: UnsafeMutableBufferPointer<Float>) throws
    /// `sum` for counts and metrics, in Double.
    func sum(_ values: UnsafeMutableBufferPointer<Double>) throws
}

extension ProcessGroup {
    /// The rows of a global batch of `count` rows that this process takes: contiguous, and
    /// as even as they divide (sizes differ by at most one; a process may take none).
    public func shard(ofCount count: Int) -> Range<Int> {
        (count * rank / size)..<(count * (rank + 1) / size)
    }

    /// Returns once every process has called it.
    public func barrier() throws {
        try withUnsafeTemporaryAllocation(of: Double.self, capacity: 1) { token in
            token[0] = 0
            try sum(token)
        }
    }
}

/// One process training alone: sums are the values themselves.
public final class SingleProcess: ProcessGroup {
    /// Always 0.
    public let rank = 0
    /// Always 1.
    public let size = 1

    /// The group of this process alone.
    public init() {}

    /// Leaves `values` as they are.
    public func sum(_ values: UnsafeMutableBufferPointer<Float>) {}

    /// Leaves `values` as they are.
    public func sum(_ values: UnsafeMutableBufferPointer<Double>) {}
}
