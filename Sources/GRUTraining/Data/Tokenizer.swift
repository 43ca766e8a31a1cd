import Foundation

/// Splits text into tokens: words (letters and digits) or single characters.
///
/// Words: the text is lowercased when `lowercases` is set, then split at every character that is
/// neither a letter nor a digit (Unicode `isLetter` / `isNumber`), and the empty pieces dropped;
/// so "Don't stop!" gives ["don", "t", "stop"]. Deliberately simple: punctuation and apostrophes
/// separate words and are not tokens. Characters: one token per Unicode scalar, as Python's
/// `list(text)` gives, so character models match ones trained in Python on the same text.
public struct Tokenizer: Sendable, Equatable, Codable {
    /// What a token is.
    public enum Unit: String, Sendable, Codable {
        /// Runs of letters and digits.
        case words
        /// Single Unicode scalars, spaces and newlines included.
        case characters
        /// Runs of anything but whitespace, such as a pronunciation's phonemes "AH0 B AW1 T".
        case whitespace
        /// Not tokens but steps of numbers, `;` between steps ("0.5 1.2;0.1 -3e-2"), for an
        /// encoder-decoder's source of feature vectors (`FeatureSteps` reads their values).
        case features
    }

    /// What a token is.
    public var unit: Unit
    /// Whether text is lowercased before it is split.
    public var lowercases: Bool

    /// A tokenizer with the given unit and case handling.
    public init(unit: Unit, lowercases: Bool) {
        self.unit = unit
        self.lowercases = lowercases
    }

    /// Lowercased words, the default for text classification.
    public static let words = Tokenizer(unit: .words, lowercases: true)
    /// Characters as they are, the default for language models.
    public static let characters = Tokenizer(unit: .characters, lowercases: false)

    /// The tokens of `text`, in order.
    public func tokens(in text: some StringProtocol) -> [String] {
        let text = lowercases ? text.lowercased() : String(text)
        switch unit {
        case .words:
            return text.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
        case .characters:
            return text.unicodeScalars.map { String($0) }
        case .whitespace:
            return text.split(whereSeparator: \.isWhitespace).map(String.init)
        case .features:
            return text.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }
}
