import Foundation
import GRUKit

/// Makes sure OpenBLAS runs its vector kernels: when its CPU detection fell back to a generic
/// kernel set on a processor with AVX-512 or AVX2 (Debian 12's OpenBLAS on newer Intel parts),
/// restart this process with OPENBLAS_CORETYPE naming the right set. OpenBLAS reads that
/// variable only when it loads, so setting it in-process would be too late. A value the user
/// set is left alone.
enum KernelSelection {
    static func restartWithFasterKernelsIfNeeded() {
        #if os(Linux)
        guard ProcessInfo.processInfo.environment[BLASLibrary.coreTypeVariable] == nil,
            let coreType = BLASLibrary.fasterCoreType(
                current: BLASLibrary.coreName, cpuFlags: BLASLibrary.processorFlags())
        else { return }
        setenv(BLASLibrary.coreTypeVariable, coreType, 1)
        let arguments = CommandLine.arguments
        var argv = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        // execv returns only on failure: carry on with the slower kernels.
        FileHandle.standardError.write(
            Data(
                "warning: could not restart with \(BLASLibrary.coreTypeVariable)=\(coreType); BLAS runs its generic kernels\n"
                    .utf8))
        #endif
    }
}
