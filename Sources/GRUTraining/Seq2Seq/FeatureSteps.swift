/// A source of feature vectors as a pairs file writes it (`--source-tokens features`): steps
/// separated by `;`, a step's values by spaces or commas, so "0.5 1.2;0.1 -3e-2" is two steps
/// of two features. The layout of `gru predict --probabilities`, read back.
public enum FeatureSteps {
    /// The steps of `field`, each of `width` values when given (else the first step's count).
    ///
    /// - Returns: the steps, or what is wrong with them: an empty step, a value that is not a
    ///   finite number, or a step of another width, named with its 1-based step.
    public static func parse(_ field: Substring, width: Int?) -> Result<[[Float]], Problem> {
        var steps: [[Float]] = []
        let pieces = field.split(separator: ";", omittingEmptySubsequences: false)
        // A last ";" ends the last step rather than starting an empty one.
        let written =
            pieces.last?.allSatisfy(\.isWhitespace) == true && pieces.count > 1 ? pieces.dropLast() : pieces[...]
        for (index, piece) in written.enumerated() {
            let texts = piece.split(whereSeparator: { $0.isWhitespace || $0 == "," })
            guard !texts.isEmpty else { return .failure(Problem("step \(index + 1) is empty; expected numbers")) }
            var values: [Float] = []
            for text in texts {
                guard let value = Float(text), value.isFinite else {
                    return .failure(Problem("step \(index + 1) holds '\(text)'; expected finite numbers"))
                }
                values.append(value)
            }
            let expected = width ?? steps.first?.count ?? values.count
            guard values.count == expected else {
                return .failure(
                    Problem("step \(index + 1) has \(values.count) values; expected \(expected), as in every step"))
            }
            steps.append(values)
        }
        return .success(steps)
    }

    /// What is wrong with a field, for a `FormatError` naming its line.
    public struct Problem: Error {
        /// The sentence, without the line.
        public let message: String
        init(_ message: String) { self.message = message }
    }
}
