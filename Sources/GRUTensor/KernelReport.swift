import CGateKernels

/// What GRUKit's own C kernels run on this processor, for benchmark reports: the project's
/// machines are not all the same processor, and a benchmark table should say which code ran.
public enum KernelReport {
    /// The instruction set of the kernel versions chosen at load time: "AVX-512", "AVX2" or
    /// "x86-64 baseline" on x86-64 Linux.
    public static var instructionSet: String { String(cString: gru_kernel_instruction_set()) }

    /// Whether blocks of one or two batch rows prefetch their weights ahead (not on AMD
    /// processors, whose hardware prefetcher keeps up by itself).
    public static var prefetchesFewRows: Bool { gru_kernel_prefetches_few_rows() }

    /// Both facts in one line, such as "AVX-512, one-row weight prefetch off".
    public static var summary: String {
        "\(instructionSet), one-row weight prefetch \(prefetchesFewRows ? "on" : "off")"
    }
}
