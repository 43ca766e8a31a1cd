import CGateKernels
import Foundation

/// The cores this process may run on, which GRUKit's thread team is sized to.
///
/// The team's threads spin at a barrier every time step, so a team larger than the cores the
/// process actually gets waits out a scheduler time slice at every step: under
/// `taskset -c 0` on a 2-core machine, a team of two took 21.7 ms for S1 instead of 0.25 ms.
/// Foundation's `activeProcessorCount` counts the machine's online processors on Linux, not
/// the process's affinity mask (taskset, `docker --cpuset-cpus`) or a cgroup CPU quota
/// (`docker --cpus`, Kubernetes CPU limits); this takes the smallest of the three.
public enum AvailableCores {
    /// At least 1.
    public static let count: Int = {
        var cores = ProcessInfo.processInfo.activeProcessorCount
        #if os(Linux)
        if let allowed = affinityCount() { cores = min(cores, allowed) }
        if let quota = cgroupQuotaCores() { cores = min(cores, quota) }
        #endif
        return max(1, cores)
    }()

    /// Cores a cgroup v2 `cpu.max` grants ("max 100000" or "QUOTA PERIOD" in microseconds):
    /// the quota rounded up to whole cores, or nil when it is unlimited or not understood.
    public static func cores(cpuMax text: String) -> Int? {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let quota = Int(fields[0]), let period = Int(fields[1]) else { return nil }
        return cores(quota: quota, period: period)
    }

    /// Cores a cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us` grant (a quota of -1 is
    /// unlimited), or nil.
    public static func cores(cfsQuota: String, cfsPeriod: String) -> Int? {
        guard let quota = Int(cfsQuota.trimmingCharacters(in: .whitespacesAndNewlines)),
            let period = Int(cfsPeriod.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        return cores(quota: quota, period: period)
    }

    private static func cores(quota: Int, period: Int) -> Int? {
        guard quota > 0, period > 0 else { return nil }
        return max(1, (quota + period - 1) / period)
    }

    #if os(Linux)
    /// The CPUs in this process's affinity mask.
    private static func affinityCount() -> Int? {
        let count = Int(gru_affinity_cpu_count())
        return count > 0 ? count : nil
    }

    /// The smallest CPU quota among this process's cgroups, v2 and v1, where the files are
    /// found: under the cgroup's own path (a host) or at the hierarchy's root (a container
    /// with its own cgroup namespace). A quota set only on a cgroup's ancestor is not seen.
    private static func cgroupQuotaCores() -> Int? {
        guard let memberships = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return nil }
        var quotas: [Int] = []
        for line in memberships.split(separator: "\n") {
            // "hierarchy-ID:controller-list:path"; v2 has ID 0 and an empty controller list.
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let controllers = parts[1].split(separator: ","), path = String(parts[2])
            if parts[0] == "0" && controllers.isEmpty {
                for root in ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"] {
                    for directory in [root + path, root] {
                        if let text = read(directory + "/cpu.max"), let cores = cores(cpuMax: text) {
                            quotas.append(cores)
                        }
                    }
                }
            } else if controllers.contains("cpu") {
                for root in ["/sys/fs/cgroup/" + parts[1], "/sys/fs/cgroup/cpu"] {
                    for directory in [root + path, root] {
                        if let quota = read(directory + "/cpu.cfs_quota_us"),
                            let period = read(directory + "/cpu.cfs_period_us"),
                            let cores = cores(cfsQuota: quota, cfsPeriod: period)
                        {
                            quotas.append(cores)
                        }
                    }
                }
            }
        }
        return quotas.min()
    }

    private static func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }
    #endif
}
