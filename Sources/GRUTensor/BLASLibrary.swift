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
}
