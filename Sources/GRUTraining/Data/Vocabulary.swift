/// A mapping between tokens and ids, with the padding token at 0 and the unknown token at 1.
///
/// Built from training data only (`init(fitting:maximumSize:minimumFrequency:)`): tokens are kept
/// by frequency, most frequent first, ties broken by Unicode code points ascending (as Python's
/// `sorted` orders strings), so the same data always gives the same ids. Any token not kept, and
/// any token only seen in validation or test data, maps to `unknownID`. Saved in the model
/// directory as JSON: `{"tokens": ["<pad>", "<unk>", ...]}`, the token of each id in order.
public struct Vocabulary: Sendable, Equatable, Codable {
    /// The token that pads short sequences in a batch; its id is `paddingID`.
    public static let paddingToken = "<pad>"
    /// The token that stands for every token not in the vocabulary; its id is `unknownID`.
    public static let unknownToken = "<unk>"
    /// The id of `paddingToken`, 0, so zero-filled batches are padding.
    public static let paddingID = 0
    /// The id of `unknownToken`, 1.
    public static let unknownID = 1

    /// The token of each id: `tokens[id]`, starting with `<pad>` and `<unk>`.
    public let tokens: [String]
    private let ids: [String: Int]

    /// A vocabulary of the tokens in `sequences`, most frequent first.
    ///
    /// - Parameters:
    ///   - sequences: The training data's token sequences.
    ///   - maximumSize: The most ids in all, `<pad>` and `<unk>` included (so at most
    ///     `maximumSize - 2` data tokens); nil keeps every token. At least 2.
    ///   - minimumFrequency: Tokens seen fewer times than this are left out. At least 1.
    public init<S: Sequence>(fitting sequences: S, maximumSize: Int? = nil, minimumFrequency: Int = 1)
    where S.Element == [String] {
        precondition(maximumSize.map { $0 >= 2 } ?? true, "maximumSize must leave room for <pad> and <unk>")
        precondition(minimumFrequency >= 1, "minimumFrequency must be at least 1")
        var counts: [String: Int] = [:]
        for sequence in sequences {
            for token in sequence where token != Self.paddingToken && token != Self.unknownToken {
                counts[token, default: 0] += 1
            }
        }
        let kept = counts.filter { $0.value >= minimumFrequency }.sorted { a, b in
            a.value != b.value
                ? a.value > b.value : a.key.unicodeScalars.lexicographicallyPrecedes(b.key.unicodeScalars)
        }
        let limit = maximumSize.map { $0 - 2 } ?? kept.count
        self.init(uncheckedTokens: [Self.paddingToken, Self.unknownToken] + kept.prefix(limit).map(\.key))
    }

    /// A vocabulary with exactly these tokens as ids 0, 1, 2, ...
    ///
    /// - Returns: nil unless `tokens` starts with `<pad>`, `<unk>` and has no duplicates.
    public init?(tokens: [String]) {
        guard tokens.count >= 2, tokens[0] == Self.paddingToken, tokens[1] == Self.unknownToken,
            Set(tokens).count == tokens.count
        else { return nil }
        self.init(uncheckedTokens: tokens)
    }

    private init(uncheckedTokens tokens: [String]) {
        self.tokens = tokens
        self.ids = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) })
    }

    /// The number of ids, `<pad>` and `<unk>` included: the embedding's row count.
    public var count: Int { tokens.count }

    /// The id of `token`, or `unknownID` when it is not in the vocabulary.
    public func id(for token: String) -> Int {
        ids[token] ?? Self.unknownID
    }

    /// The ids of `tokens`, in order.
    public func ids(for tokens: [String]) -> [Int] {
        tokens.map { id(for: $0) }
    }

    /// Whether `token` has an id of its own.
    public func contains(_ token: String) -> Bool {
        ids[token] != nil
    }

    /// The token of `id`; `id` must be in `0..<count`.
    public func token(for id: Int) -> String {
        precondition(tokens.indices.contains(id), "token id \(id) is outside 0..<\(count)")
        return tokens[id]
    }

    // MARK: - Codable

    private enum CodingKeys: String, CodingKey {
        case tokens
    }

    /// Decodes `{"tokens": [...]}`, rejecting a list that does not start with `<pad>`, `<unk>` or repeats a token.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let tokens = try container.decode([String].self, forKey: .tokens)
        guard let vocabulary = Vocabulary(tokens: tokens) else {
            throw DecodingError.dataCorruptedError(
                forKey: .tokens, in: container,
                debugDescription: "expected a list of distinct tokens starting with \"<pad>\", \"<unk>\"")
        }
        self = vocabulary
    }

    /// Encodes `{"tokens": [...]}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tokens, forKey: .tokens)
    }
}
