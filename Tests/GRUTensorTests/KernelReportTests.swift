import Foundation
import GRUTensor
import Testing

/// The kernel report against what Linux says of the processor in /proc/cpuinfo, read
/// independently of the compiler's CPU detection.
struct KernelReportTests {
    /// The first "flags" and "vendor_id" lines of /proc/cpuinfo, or nil off Linux x86-64.
    static func cpuInfo() -> (flags: Set<String>, vendor: String)? {
        #if os(Linux) && arch(x86_64)
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        func field(_ name: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix(name) }
                .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
        }
        guard let flags = field("flags"), let vendor = field("vendor_id") else { return nil }
        return (Set(flags.split(separator: " ").map(String.init)), vendor)
        #else
        return nil
        #endif
    }

    /// The kernels are built in several versions only on x86-64 Linux; elsewhere there is one.
    static let onLinuxX86 = cpuInfo() != nil

    @Test(.enabled(if: onLinuxX86, "reads /proc/cpuinfo on x86-64 Linux"))
    func instructionSetIsTheBestTheProcessorHas() throws {
        let info = try #require(Self.cpuInfo(), "needs /proc/cpuinfo on x86-64 Linux")
        let expected = info.flags.contains("avx512f") ? "AVX-512" : (info.flags.contains("avx2") ? "AVX2" : "x86-64 baseline")
        #expect(KernelReport.instructionSet == expected)
    }

    @Test(.enabled(if: onLinuxX86, "reads /proc/cpuinfo on x86-64 Linux"))
    func fewRowPrefetchIsOffOnAMDOnly() throws {
        let info = try #require(Self.cpuInfo(), "needs /proc/cpuinfo on x86-64 Linux")
        #expect(KernelReport.prefetchesFewRows == (info.vendor != "AuthenticAMD"))
    }
}
