/// The class names of a classification or tagging data set; a class's index is its position.
///
/// Fitted on training data (`init(fitting:)`) or declared by the file (a .ts `@classLabel` line),
/// then used unchanged for validation and test data, where an unknown label is an error.
public struct LabelSet: Sendable, Equatable, Codable {
    /// The class names; the class index of `names[i]` is `i`.
    public let names: [String]
    private let indices: [String: Int]

    /// The labels as given, in order; nil when a label repeats.
    public init?(names: [String]) {
        guard Set(names).count == names.count else { return nil }
        self.names = names
        self.indices = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    }

    /// The distinct labels in `labels`, sorted: numerically when every label is an integer
    /// ("2" before "10"), otherwise by Unicode code points, as scikit-learn's LabelEncoder does.
    public init<S: Sequence>(fitting labels: S) where S.Element == String {
        let distinct = Set(labels)
        let sorted: [String]
        if distinct.allSatisfy({ Int($0) != nil }) {
            sorted = distinct.sorted { Int($0)! < Int($1)! }
        } else {
            sorted = distinct.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        }
        self.init(names: sorted)!
    }

    /// The number of classes.
    public var count: Int { names.count }

    /// The class index of `label`, or nil when it is not one of the names.
    public func index(of label: String) -> Int? {
        indices[label]
    }

    private enum CodingKeys: String, CodingKey {
        case names
    }

    /// Decodes `{"names": [...]}`, rejecting repeated names.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let names = try container.decode([String].self, forKey: .names)
        guard let set = LabelSet(names: names) else {
            throw DecodingError.dataCorruptedError(
                forKey: .names, in: container, debugDescription: "class names repeat")
        }
        self = set
    }

    /// Encodes `{"names": [...]}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(names, forKey: .names)
    }
}
