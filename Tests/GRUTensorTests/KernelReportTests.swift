import Foundation
import GRUTensor
import GRUTestSupport
import Testing

/// The kernel report against what Linux says of the processor in /proc/cpuinfo, read
/// independently of the compiler's CPU detection.
@Suite(.tags(.unit))
struct KernelReportTests {
    /// The processor's flags (`BLASLibrary.processorFlags`) and the first "vendor_id" line of
    /// /proc/cpuinfo, or nil off x86-64 Linux.
    static func cpuInfo() -> (flags: Set<String>, vendor: String)? {
        #if os(Linux) && arch(x86_64)
        let flags = BLASLibrary.processorFlags()
        guard !flags.isEmpty,
            let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("vendor_id") }),
            let colon = line.firstIndex(of: ":")
        else { return nil }
        return (flags, line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        #else
        return nil
        #endif
    }

    /// The kernels are built in several versions only on x86-64 Linux; elsewhere there is one.
    static let onLinuxX86 = cpuInfo() != nil

    @Test(.enabled(if: onLinuxX86, "reads /proc/cpuinfo on x86-64 Linux"))
    func instructionSetIsTheBestTheProcessorHas() throws {
        let info = try #require(Self.cpuInfo(), "needs /proc/cpuinfo on x86-64 Linux")
        let expected =
            info.flags.contains("avx512f") ? "AVX-512" : (info.flags.contains("avx2") ? "AVX2" : "x86-64 baseline")
        #expect(KernelReport.instructionSet == expected)
    }

    @Test(.enabled(if: onLinuxX86, "reads /proc/cpuinfo on x86-64 Linux"))
    func fewRowPrefetchIsOffOnAMDOnly() throws {
        let info = try #require(Self.cpuInfo(), "needs /proc/cpuinfo on x86-64 Linux")
        #expect(KernelReport.prefetchesFewRows == (info.vendor != "AuthenticAMD"))
    }
}
