import Foundation

/// Refuses work that would need more memory than the machine has, before allocating it: an
/// allocation that large fails with a trap, not an error.
///
/// - Parameters:
///   - bytes: what the work needs, or nil when that is too large to count.
///   - what: the work, as the message names it ("--hidden-size 50000 and --input-size 3").
func checkFitsInMemory(bytes: Int?, _ what: String) throws {
    let available = ProcessInfo.processInfo.physicalMemory
    guard let bytes, UInt64(bytes) <= available else {
        let needed = bytes.map { "about \(gibibytes(UInt64($0))) of memory" } ?? "more memory than can be counted"
        throw CommandLineError(description: "\(what) would need \(needed); this machine has \(gibibytes(available))")
    }
}

private func gibibytes(_ bytes: UInt64) -> String {
    String(format: "%.1f GiB", Double(bytes) / 1_073_741_824)
}
