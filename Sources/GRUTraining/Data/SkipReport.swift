/// What a loader deliberately left out of a data set, counted by reason.
///
/// Loaders never drop bad data silently: a malformed row is an error. What they skip on purpose
/// (blank lines, `-DOCSTART-` markers, rows whose text has no tokens, non-numeric columns) is
/// counted here, in the order the reasons first occurred, so that the CLI can report it.
public struct SkipReport: Sendable, Equatable, Codable, CustomStringConvertible {
    /// One reason and how many times it applied.
    public struct Entry: Sendable, Equatable, Codable {
        /// What was skipped, as a plural noun phrase such as "blank lines".
        public var reason: String
        /// How many were skipped for this reason.
        public var count: Int
    }

    /// The reasons in the order they first occurred.
    public private(set) var entries: [Entry] = []

    /// An empty report.
    public init() {}

    /// Adds `count` skips for `reason`.
    public mutating func record(_ reason: String, count: Int = 1) {
        guard count > 0 else { return }
        if let index = entries.firstIndex(where: { $0.reason == reason }) {
            entries[index].count += count
        } else {
            entries.append(Entry(reason: reason, count: count))
        }
    }

    /// Adds every entry of `other`.
    public mutating func merge(_ other: SkipReport) {
        for entry in other.entries { record(entry.reason, count: entry.count) }
    }

    /// The count recorded for `reason`, zero when none.
    public func count(for reason: String) -> Int {
        entries.first(where: { $0.reason == reason })?.count ?? 0
    }

    /// The number of skips over all reasons.
    public var total: Int { entries.reduce(0) { $0 + $1.count } }

    /// One line such as `skipped 3 blank lines, 1 -DOCSTART- lines`, or `nothing skipped`.
    public var description: String {
        guard !entries.isEmpty else { return "nothing skipped" }
        return "skipped " + entries.map { "\($0.count) \($0.reason)" }.joined(separator: ", ")
    }
}
