import Foundation
import GRUTensor
import GRUTestSupport
import Testing

/// The thread team: every part runs once, barriers order the parts' steps, and runs asked
/// for from inside a run or while another is under way fall back to the caller alone. Other
/// tests run beside these and may hold the team, so a run may get one part instead of the
/// parts it asked for; the checks hold for whatever it got.
@Suite(.tags(.unit))
struct ThreadTeamTests {
    /// Each step every part writes its slot, meets the others, then reads all slots: a
    /// barrier that let a part through early would show a slot from the wrong step.
    @Test func barriersSeparateSteps() {
        let parts = 4, steps = 2000
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: parts)
        slots.initialize(repeating: -1, count: parts)
        defer { slots.deallocate() }
        let mismatches = Counter()
        let ranParts = Counter(), givenParts = Counter()
        ThreadTeam.run(parts: parts) { part, count in
            ranParts.add(1)
            if part == 0 { givenParts.store(count) }
            for step in 0..<steps {
                slots[part] = step
                ThreadTeam.barrier()
                for other in 0..<count where slots[other] != step { mismatches.add(1) }
                ThreadTeam.barrier()
            }
        }
        #expect([1, parts].contains(givenParts.value))
        #expect(ranParts.value == givenParts.value)
        #expect(mismatches.value == 0)
    }

    @Test func aRunInsideARunGoesOnTheCallerAlone() {
        let inner = Counter(), outerParts = Counter()
        ThreadTeam.run(parts: 2) { part, parts in
            if part == 0 { outerParts.store(parts) }
            ThreadTeam.run(parts: 2) { part, parts in
                #expect(part == 0 && parts == 1)
                ThreadTeam.barrier()  // a no-op in a run of one part
                inner.add(1)
            }
        }
        #expect(inner.value == outerParts.value)
    }

    /// Runs of changing sizes back to back, so threads sit some runs out: every run runs each
    /// of its parts exactly once.
    @Test func runsOfChangingSizesRunEachPartOnce() {
        for round in 0..<3000 {
            let requested = 1 + round % 4
            let ran = Counter(), given = Counter()
            ThreadTeam.run(parts: requested) { part, parts in
                if part == 0 { given.store(parts) }
                ran.add(1)
            }
            #expect(ran.value == given.value && [1, requested].contains(given.value), "round \(round)")
            if ran.value != given.value { return }
        }
    }

    /// Runs started from several threads at once all finish, each covering all its work.
    @Test func concurrentRunsAllFinish() {
        let total = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<50 {
                ThreadTeam.run(parts: 3) { part, parts in
                    for item in ThreadTeam.share(of: 30, part: part, parts: parts) { total.add(item) }
                    ThreadTeam.barrier()
                }
            }
        }
        #expect(total.value == 8 * 50 * (0..<30).reduce(0, +))
    }
}

/// An integer that threads update under a lock (Synchronization's Atomic needs macOS 15).
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = 0

    var value: Int { lock.withLock { stored } }
    func add(_ amount: Int) { lock.withLock { stored += amount } }
    func store(_ newValue: Int) { lock.withLock { stored = newValue } }
}
