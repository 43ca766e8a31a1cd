/// A fixed-size, zero-initialized Float buffer with a stable address.
///
/// Kernels take raw pointers; a class-owned allocation lets a sequence loop hand out pointers
/// into many buffers without nesting `withUnsafeMutableBufferPointer` closures or copying.
/// Buffers are allocated once per (batch, length), never per time step; large ones come from
/// `ScratchMemory`, which keeps them for the next call, on 64-byte boundaries.
public final class ScratchBuffer: @unchecked Sendable {
    /// The first element.
    public let pointer: UnsafeMutablePointer<Float>
    /// The number of elements.
    public let count: Int
    /// The bytes behind `pointer`, at least `count` floats.
    private let allocatedBytes: Int

    /// A buffer of `count` zeros.
    public convenience init(count: Int) {
        self.init(uninitializedCount: count)
        pointer.update(repeating: 0, count: max(count, 1))
    }

    /// A buffer whose elements hold whatever its memory held (a reused block's old values),
    /// for buffers that are written in full before any element is read: the per-step caches
    /// of a long sequence, where zeroing would be a pass over memory for nothing.
    public init(uninitializedCount count: Int) {
        self.count = count
        let memory = ScratchMemory.shared.allocate(bytes: max(count, 1) * MemoryLayout<Float>.stride)
        allocatedBytes = memory.bytes
        pointer = memory.pointer.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// A buffer holding a copy of `values` (written once: no zeros first).
    public convenience init(copying values: [Float]) {
        self.init(uninitializedCount: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: source.count) }
        }
        if values.isEmpty { pointer.update(repeating: 0, count: 1) }
    }

    deinit {
        ScratchMemory.shared.release(UnsafeMutableRawPointer(pointer), bytes: allocatedBytes)
    }

    /// Sets every element to zero.
    public func zero() {
        pointer.update(repeating: 0, count: count)
    }

    /// The elements as an array.
    public func array() -> [Float] {
        Array(UnsafeBufferPointer(start: pointer, count: count))
    }
}
