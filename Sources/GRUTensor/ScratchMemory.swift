import Foundation

/// Large scratch allocations kept for reuse once their buffer is freed, as PyTorch's caching
/// allocator keeps its blocks.
///
/// A training step allocates its caches afresh (tens to hundreds of MB); from the system
/// allocator those come as new pages, and the kernel faults in and zeroes every page on first
/// touch, a few percent of a step's time. Blocks of 1 MiB and more are kept here instead, up to
/// 1 GiB in all, and handed to the next request they fit (at most twice its size).
final class ScratchMemory: @unchecked Sendable {
    static let shared = ScratchMemory()

    /// Smaller requests go to the system allocator directly.
    static let smallestPooledBytes = 1 << 20
    /// The most bytes kept free at once.
    static let retainedLimit = 1 << 30

    private let lock = NSLock()
    private var free: [(pointer: UnsafeMutableRawPointer, bytes: Int)] = []
    private var freeBytes = 0

    /// At least `bytes` bytes on a 64-byte boundary, and how many there are.
    func allocate(bytes: Int) -> (pointer: UnsafeMutableRawPointer, bytes: Int) {
        if bytes >= Self.smallestPooledBytes {
            let reused: (pointer: UnsafeMutableRawPointer, bytes: Int)? = lock.withLock {
                let fitting = free.indices.filter { free[$0].bytes >= bytes && free[$0].bytes <= 2 * bytes }
                guard let best = fitting.min(by: { free[$0].bytes < free[$1].bytes }) else { return nil }
                freeBytes -= free[best].bytes
                return free.remove(at: best)
            }
            if let reused { return reused }
        }
        return (UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64), bytes)
    }

    /// Gives back what `allocate` returned: kept when large and there is room, freed otherwise.
    func release(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        if bytes >= Self.smallestPooledBytes {
            let kept = lock.withLock {
                guard freeBytes + bytes <= Self.retainedLimit else { return false }
                free.append((pointer, bytes))
                freeBytes += bytes
                return true
            }
            if kept { return }
        }
        pointer.deallocate()
    }
}
