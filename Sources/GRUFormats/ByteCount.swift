/// The number of elements a shape holds, or nil when the product overflows `Int`.
///
/// Shapes come from files, so an absurd one must become an error rather than a trap.
func checkedElementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for extent in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: extent)
        guard !overflow else { return nil }
        count = product
    }
    return count
}

/// The number of bytes a shape of `elementSize`-byte elements occupies, or nil on overflow.
func checkedByteCount(_ shape: [Int], elementSize: Int) -> Int? {
    guard let count = checkedElementCount(shape) else { return nil }
    let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
    return overflow ? nil : bytes
}
