import Foundation
import GRUTensor
import GRUTestSupport
import Testing

/// The cores the thread team is sized to: cgroup CPU quotas as the kernel writes them, and a
/// count between one and the machine's processors. (Affinity is checked end to end by
/// gruTests' `benchUnderOneCPUsAffinityRunsOneThread`, which runs gru under taskset.)
@Suite(.tags(.unit))
struct AvailableCoresTests {
    @Test func cgroupV2CPUMaxRoundsTheQuotaUpToWholeCores() {
        #expect(AvailableCores.cores(cpuMax: "max 100000\n") == nil)
        #expect(AvailableCores.cores(cpuMax: "100000 100000\n") == 1)
        #expect(AvailableCores.cores(cpuMax: "150000 100000") == 2)
        #expect(AvailableCores.cores(cpuMax: "50000 100000") == 1)
        #expect(AvailableCores.cores(cpuMax: "400000 100000") == 4)
        #expect(AvailableCores.cores(cpuMax: "") == nil)
        #expect(AvailableCores.cores(cpuMax: "100000") == nil)
        #expect(AvailableCores.cores(cpuMax: "0 100000") == nil)
        #expect(AvailableCores.cores(cpuMax: "abc 100000") == nil)
    }

    @Test func cgroupV1QuotaOfMinusOneIsUnlimited() {
        #expect(AvailableCores.cores(cfsQuota: "-1\n", cfsPeriod: "100000\n") == nil)
        #expect(AvailableCores.cores(cfsQuota: "100000\n", cfsPeriod: "100000\n") == 1)
        #expect(AvailableCores.cores(cfsQuota: "250000", cfsPeriod: "100000") == 3)
        #expect(AvailableCores.cores(cfsQuota: "100000", cfsPeriod: "0") == nil)
        #expect(AvailableCores.cores(cfsQuota: "", cfsPeriod: "100000") == nil)
    }

    @Test func countIsBetweenOneAndTheMachinesProcessors() {
        #expect(AvailableCores.count >= 1)
        #expect(AvailableCores.count <= ProcessInfo.processInfo.activeProcessorCount)
        // Never more threads than cores; GRUKIT_NUM_THREADS, when the tests run with it, may ask for fewer.
        #expect((1...AvailableCores.count).contains(Matmul.threadCount))
        if ThreadCountSetting.requested == nil { #expect(Matmul.threadCount == min(AvailableCores.count, 8)) }
    }
}
