import GRUFormats
import GRUTensor

/// Which records of a file go to training and which to validation.
public struct DatasetPartition: Sendable, Equatable {
    /// The training records' indices, ascending.
    public var training: [Int]
    /// The validation records' indices, ascending.
    public var validation: [Int]
    /// Records in neither part (forecast windows whose targets straddle the boundary), by reason.
    public var skipped: SkipReport

    /// A partition with the given parts.
    public init(training: [Int], validation: [Int], skipped: SkipReport = SkipReport()) {
        self.training = training
        self.validation = validation
        self.skipped = skipped
    }

    /// A random split of `count` records: `round(validationFraction * count)` of them, chosen by a
    /// shuffle seeded with `seed`, go to validation (at least one, and at least one stays for
    /// training). Both parts keep file order. The same arguments always give the same split.
    ///
    /// - Throws: `FormatError` about `name` when the fraction is not in (0, 1) or there are fewer
    ///   than two records.
    public static func random(count: Int, validationFraction: Double, seed: UInt64, name: String) throws
        -> DatasetPartition
    {
        let validationCount = try validationSize(count: count, fraction: validationFraction, name: name)
        var generator = SeededGenerator(seed: seed)
        let order = seededShuffle(Array(0..<count), using: &generator)
        return DatasetPartition(
            training: order.dropFirst(validationCount).sorted(),
            validation: order.prefix(validationCount).sorted())
    }

    /// A split by position: the last `round(validationFraction * count)` records (at least one, at
    /// most `count - 1`) are validation, for data in time order.
    ///
    /// - Throws: `FormatError` about `name` when the fraction is not in (0, 1) or there are fewer
    ///   than two records.
    public static func trailing(count: Int, validationFraction: Double, name: String) throws -> DatasetPartition {
        let validationCount = try validationSize(count: count, fraction: validationFraction, name: name)
        return DatasetPartition(
            training: Array(0..<(count - validationCount)), validation: Array((count - validationCount)..<count))
    }

    /// The number of validation records for `fraction` of `count`, clamped to 1...count-1.
    static func validationSize(count: Int, fraction: Double, name: String, unit: String = "examples") throws -> Int {
        guard fraction > 0 && fraction < 1 else {
            throw FormatError(name, "validation fraction \(fraction) is not valid; expected a number between 0 and 1")
        }
        guard count >= 2 else {
            throw FormatError(name, "cannot split \(count) \(unit) into training and validation; expected at least 2")
        }
        return min(max(Int((fraction * Double(count)).rounded()), 1), count - 1)
    }
}
