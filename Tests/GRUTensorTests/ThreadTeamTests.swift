import Foundation
import GRUTensor
import GRUTestSupport
import Testing

/// The thread team: every part runs once, barriers order the parts' steps, runs asked for
/// from inside a run or (outside `withParts`) while another is under way fall back to the
/// caller alone, and `withParts` forces the part count of a scope, cores or not. Other tests
/// run beside these and may hold the team: a run outside `withParts` may get one part
/// instead of the parts it asked for, so its checks hold for whatever it got; a run inside
/// waits for the team and gets them all.
@Suite(.tags(.unit))
struct ThreadTeamTests {
    /// Each step every part writes its slot, meets the others, then reads all slots: a
    /// barrier that let a part through early would show a slot from the wrong step. Four
    /// parts and then the team's whole capacity, more than the cores of most machines that run
    /// the tests.
    @Test(arguments: [(4, 2000), (ThreadCountSetting.maximum, 50)])
    func barriersSeparateSteps(parts: Int, steps: Int) {
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: parts)
        slots.initialize(repeating: -1, count: parts)
        defer { slots.deallocate() }
        let mismatches = Counter()
        let ranParts = Counter(), givenParts = Counter()
        let given = ThreadTeam.withParts(parts) {
            ThreadTeam.run(parts: ThreadTeam.defaultParts) { part, count in
                ranParts.add(1)
                if part == 0 { givenParts.store(count) }
                for step in 0..<steps {
                    slots[part] = step
                    ThreadTeam.barrier()
                    for other in 0..<count where slots[other] != step { mismatches.add(1) }
                    ThreadTeam.barrier()
                }
            }
        }
        #expect(given == parts)
        #expect(givenParts.value == parts)
        #expect(ranParts.value == parts)
        #expect(mismatches.value == 0)
    }

    /// `withParts` sets `defaultParts` in its scope, for the parts of its runs on the team's
    /// threads too, nested scopes win, and nothing of it is left after the scope, on the
    /// caller or on the team's threads.
    @Test func withPartsSetsTheDefaultInItsScopeAndItsRunsOnly() {
        #expect(ThreadTeam.defaultParts == Matmul.threadCount)
        let seen = Counter()
        ThreadTeam.withParts(3) {
            #expect(ThreadTeam.defaultParts == 3)
            let given = ThreadTeam.run(parts: 3) { _, _ in seen.add(ThreadTeam.defaultParts) }
            #expect(given == 3)
            #expect(seen.value == 3 * 3, "each of the 3 parts sees 3")
            ThreadTeam.withParts(1) { #expect(ThreadTeam.defaultParts == 1) }
            #expect(ThreadTeam.defaultParts == 3)
        }
        #expect(ThreadTeam.defaultParts == Matmul.threadCount)
        seen.store(0)
        let given = ThreadTeam.run(parts: 3) { _, _ in seen.add(ThreadTeam.defaultParts) }
        #expect(seen.value == given * Matmul.threadCount, "the team's threads keep no forced count")
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
            _ = ThreadTeam.withParts(requested) {
                ThreadTeam.run(parts: ThreadTeam.defaultParts) { part, parts in
                    if part == 0 { given.store(parts) }
                    ran.add(1)
                }
            }
            #expect(ran.value == requested && given.value == requested, "round \(round)")
            if ran.value != requested { return }
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

    /// Forced runs started from several threads at once wait for each other: every one gets
    /// all its parts.
    @Test func concurrentForcedRunsEachGetAllTheirParts() {
        let total = Counter(), short = Counter()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            ThreadTeam.withParts(3) {
                for _ in 0..<50 {
                    let given = ThreadTeam.run(parts: ThreadTeam.defaultParts) { part, parts in
                        for item in ThreadTeam.share(of: 30, part: part, parts: parts) { total.add(item) }
                        ThreadTeam.barrier()
                    }
                    if given != 3 { short.add(1) }
                }
            }
        }
        #expect(short.value == 0, "runs that got fewer than 3 parts")
        #expect(total.value == 4 * 50 * (0..<30).reduce(0, +))
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
