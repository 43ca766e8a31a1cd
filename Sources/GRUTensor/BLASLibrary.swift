import Foundation

#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Facts about the BLAS library GRUKit runs on, for benchmark reports and diagnostics.
public enum BLASLibrary {
    /// The library and build, such as "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ...".
    public static var configuration: String {
        #if canImport(Accelerate)
        return "Accelerate"
        #else
        return String(cString: openblas_get_config())
        #endif
    }

    /// The kernel set the library chose for this processor, such as "SkylakeX".
    public static var coreName: String {
        #if canImport(Accelerate)
        return "Accelerate"
        #else
        return String(cString: openblas_get_corename())
        #endif
    }

    /// The number of threads BLAS calls may use.
    public static var threadCount: Int {
        get {
            #if canImport(Accelerate)
            return 0
            #else
            return Int(openblas_get_num_threads())
            #endif
        }
        set {
            #if !canImport(Accelerate)
            openblas_set_num_threads(Int32(newValue))
            #endif
        }
    }

    // MARK: - Kernel selection

    /// The environment variable through which OpenBLAS's dynamic build takes its kernel set.
    public static let coreTypeVariable = "OPENBLAS_CORETYPE"

    /// A faster OpenBLAS kernel set than `current` that this processor supports, or nil.
    ///
    /// Debian 12's OpenBLAS 0.3.21 does not recognize some newer processors and falls back to
    /// the "Prescott" kernels (no vector units), which run sgemm 4-7 times slower. Given the
    /// processor's feature flags (as in /proc/cpuinfo), this names the kernel set to ask for.
    public static func fasterCoreType(current: String, cpuFlags: Set<String>) -> String? {
        let generic: Set<String> = [
            "Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai", "Northwood",
        ]
        guard generic.contains(current) else { return nil }
        if cpuFlags.isSuperset(of: ["avx512f", "avx512dq", "avx512bw", "avx512vl"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        if cpuFlags.contains("avx") { return "Sandybridge" }
        return nil
    }

    /// This processor's feature flags from /proc/cpuinfo; empty where that file does not exist.
    public static func processorFlags() -> Set<String> {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}
