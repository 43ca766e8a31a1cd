import Foundation

/// The size of a core's L2 cache, which decides how an inference sweep shares its steps
/// (`StepSharing.forInference`): weights a thread reads every step run at the FMA units'
/// pace from L2, at a fraction of it from L3.
public enum CacheSizes {
    /// A core's L2 in bytes, as the system reports it; 1 MiB where it reports none.
    public static let level2Bytes: Int = {
        #if os(Linux)
        let reported = sysconf(Int32(_SC_LEVEL2_CACHE_SIZE))
        return reported > 0 ? reported : 1 << 20
        #elseif canImport(Darwin)
        var bytes: Int64 = 0
        var size = MemoryLayout<Int64>.size
        return sysctlbyname("hw.l2cachesize", &bytes, &size, nil, 0) == 0 && bytes > 0 ? Int(bytes) : 1 << 20
        #else
        return 1 << 20
        #endif
    }()
}
