import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor

/// Source-target pairs of a transduction task read from a TSV file: one `source TAB target` a
/// line (grapheme to phoneme: "ABOUT\tAH0 B AW1 T"), each side split by its own tokenizer
/// (characters, or whitespace-separated tokens), or the source read as feature vectors
/// (`FeatureSteps`: "0.5 1.2;0.1 -3e-2"). Blank lines are skipped; a pair with an empty side,
/// or whose target has more than `maximumTargetLength` tokens, is skipped and counted.
public struct TranslationPairs: Sendable {
    /// One pair, with the file line it came from (1-based).
    public struct Pair: Sendable, Equatable {
        /// The source side's tokens; empty for a source of feature vectors.
        public let source: [String]
        /// The source's feature vectors, one a step, all equally wide; empty for tokens.
        public let sourceFeatures: [[Float]]
        /// The target side's tokens.
        public let target: [String]
        /// The line of the file, from 1.
        public let line: Int

        /// A pair of tokens, or of feature vectors and tokens.
        public init(source: [String], sourceFeatures: [[Float]] = [], target: [String], line: Int) {
            self.source = source
            self.sourceFeatures = sourceFeatures
            self.target = target
            self.line = line
        }
    }

    /// F, the features a source step, for a source of feature vectors; 0 for tokens.
    public var sourceFeatureCount: Int { pairs.first?.sourceFeatures.first?.count ?? 0 }

    /// The pairs, in file order.
    public let pairs: [Pair]
    /// What was skipped, and why.
    public let skipped: SkipReport

    /// Reads `url`.
    ///
    /// - Parameter featureCount: with a source of feature vectors, the features a step every
    ///   source must have (a trained model's); nil takes the first source's.
    /// - Throws: `FormatError` naming `file:line` for a line without a TAB or with more than
    ///   one, or a source of features that are not numbers or not equally wide, and the file
    ///   when it cannot be read or holds no pairs; `GRUInputError` for a target tokenizer of
    ///   `features`.
    public static func read(
        _ url: URL, source sourceTokenizer: Tokenizer, target targetTokenizer: Tokenizer,
        maximumTargetLength: Int? = nil, featureCount: Int? = nil
    ) throws -> TranslationPairs {
        guard targetTokenizer.unit != .features else {
            throw GRUInputError(.setting("--target-tokens"), found: "features", expected: "characters or whitespace")
        }
        let name = url.relativePath
        var width = featureCount
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw FormatError(name, "cannot be read as UTF-8 text; expected source TAB target lines")
        }
        var pairs: [Pair] = []
        var skipped = SkipReport()
        // "\r\n" is one Character, a newline like "\n".
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw FormatError(
                    "\(name):\(index + 1)",
                    "has \(fields.count - 1) TABs; expected one, between the source and the target")
            }
            let target = targetTokenizer.tokens(in: fields[1])
            var source: [String] = [], features: [[Float]] = []
            if sourceTokenizer.unit == .features {
                switch FeatureSteps.parse(fields[0], width: width) {
                case .success(let steps): features = steps
                case .failure(let problem): throw FormatError("\(name):\(index + 1)", "source: \(problem.message)")
                }
                width = width ?? features.first?.count
            } else {
                source = sourceTokenizer.tokens(in: fields[0])
            }
            if (source.isEmpty && features.isEmpty) || target.isEmpty {
                skipped.record(target.isEmpty ? "empty target" : "empty source")
                continue
            }
            if let maximumTargetLength, target.count > maximumTargetLength {
                skipped.record("target longer than \(maximumTargetLength) tokens")
                continue
            }
            pairs.append(Pair(source: source, sourceFeatures: features, target: target, line: index + 1))
        }
        guard !pairs.isEmpty else {
            throw FormatError(name, "holds no pairs; expected source TAB target lines (\(skipped))")
        }
        return TranslationPairs(pairs: pairs, skipped: skipped)
    }
}

/// The two vocabularies of an encoder-decoder, fitted on the training pairs: the source's
/// (`<pad>`, `<unk>`, then by frequency) and the target's, whose ids 2 and 3 are the start and
/// end tokens the decoder begins with and stops at.
public struct TranslationVocabularies: Sendable, Equatable, Codable {
    /// The decoder's first input.
    public static let startToken = "<s>"
    /// The token that ends an output.
    public static let endToken = "</s>"
    /// Their ids in the target vocabulary.
    public static let startID = 2, endID = 3

    /// The source side's tokens: `<pad>`, `<unk>`, then by frequency.
    public let source: Vocabulary
    /// The target side's: `<pad>`, `<unk>`, `<s>`, `</s>`, then by frequency.
    public let target: Vocabulary

    /// Vocabularies as they are (an imported model's); the target's must start with `<pad>`,
    /// `<unk>`, `<s>`, `</s>`.
    public init(source: Vocabulary, target: Vocabulary) {
        precondition(
            target.tokens.count >= 4 && target.tokens[2] == Self.startToken && target.tokens[3] == Self.endToken)
        self.source = source
        self.target = target
    }

    /// Both vocabularies of `pairs`.
    public init(fitting pairs: TranslationPairs) {
        source = Vocabulary(fitting: pairs.pairs.map(\.source))
        let reserved = [Vocabulary.paddingToken, Vocabulary.unknownToken, Self.startToken, Self.endToken]
        let fitted = Vocabulary(fitting: pairs.pairs.map(\.target)).tokens.dropFirst(2)
        target = Vocabulary(tokens: reserved + fitted.filter { !reserved.contains($0) })!
    }

    /// How many of a pair's source and target tokens the vocabularies lack (they become
    /// `<unk>`), for reports.
    public func unknownCounts(_ pair: TranslationPairs.Pair) -> (source: Int, target: Int) {
        (pair.source.filter { !source.contains($0) }.count, pair.target.filter { !target.contains($0) }.count)
    }

    /// One pair's ids: the source, the decoder's inputs (start token, then the target) and what
    /// it is to predict (the target, then the end token); tokens the vocabularies lack are
    /// `<unk>`.
    public func encode(_ pair: TranslationPairs.Pair) -> TranslationExample {
        let target = self.target.ids(for: pair.target)
        if !pair.sourceFeatures.isEmpty {
            return TranslationExample(
                sourceFeatures: pair.sourceFeatures, targetInput: [Self.startID] + target,
                targetOutput: target + [Self.endID])
        }
        return TranslationExample(
            source: source.ids(for: pair.source), targetInput: [Self.startID] + target,
            targetOutput: target + [Self.endID])
    }
}

/// One encoded pair.
public struct TranslationExample: Sendable, Equatable {
    /// The source ids; empty for a source of feature vectors.
    public let source: [Int]
    /// The source's feature vectors, one a step; empty for ids.
    public let sourceFeatures: [[Float]]
    /// The decoder's inputs: the start id, then the target's.
    public let targetInput: [Int]
    /// The ids to predict: the target's, then the end id.
    public let targetOutput: [Int]

    /// An example of the given ids; the decoder's inputs and outputs are equally long.
    public init(source: [Int], targetInput: [Int], targetOutput: [Int]) {
        precondition(targetInput.count == targetOutput.count, "a prediction for every decoder input")
        self.source = source
        sourceFeatures = []
        self.targetInput = targetInput
        self.targetOutput = targetOutput
    }

    /// An example of a source of feature vectors (one a step, equally wide) and target ids.
    public init(sourceFeatures: [[Float]], targetInput: [Int], targetOutput: [Int]) {
        precondition(targetInput.count == targetOutput.count, "a prediction for every decoder input")
        precondition(Set(sourceFeatures.map(\.count)).count <= 1, "equally wide feature vectors")
        source = []
        self.sourceFeatures = sourceFeatures
        self.targetInput = targetInput
        self.targetOutput = targetOutput
    }

    /// The source's steps.
    public var sourceLength: Int { sourceFeatures.isEmpty ? source.count : sourceFeatures.count }
}

extension TranslationBatch {
    /// The examples padded (id 0, features 0) to their longest source and target,
    /// time-major; all of one source kind, feature vectors equally wide.
    public init(examples: [TranslationExample]) {
        let batch = examples.count
        let sourceSteps = examples.map(\.sourceLength).max()!, targetSteps = examples.map(\.targetInput.count).max()!
        var targetInput = [Int](repeating: 0, count: targetSteps * batch)
        var targetOutput = targetInput
        for (b, example) in examples.enumerated() {
            for t in example.targetInput.indices {
                targetInput[t * batch + b] = example.targetInput[t]
                targetOutput[t * batch + b] = example.targetOutput[t]
            }
        }
        let lengths = examples.map(\.sourceLength), targetLengths = examples.map(\.targetInput.count)
        if let width = examples.first?.sourceFeatures.first?.count {
            var features = [Float](repeating: 0, count: sourceSteps * batch * width)
            for (b, example) in examples.enumerated() {
                precondition(example.sourceFeatures.allSatisfy { $0.count == width }, "equally wide feature vectors")
                for (t, step) in example.sourceFeatures.enumerated() {
                    features.replaceSubrange(((t * batch + b) * width)..<((t * batch + b + 1) * width), with: step)
                }
            }
            self.init(
                sourceFeatures: features, featureCount: width, sourceLengths: lengths, targetInput: targetInput,
                targetOutput: targetOutput, targetLengths: targetLengths)
            return
        }
        var source = [Int](repeating: 0, count: sourceSteps * batch)
        for (b, example) in examples.enumerated() {
            for (t, id) in example.source.enumerated() { source[t * batch + b] = id }
        }
        self.init(
            source: source, sourceLengths: lengths, targetInput: targetInput, targetOutput: targetOutput,
            targetLengths: targetLengths)
    }
}

extension TranslationPairs {
    /// The pairs split by a seeded shuffle: `fraction` of them held out (at least one when
    /// `fraction` > 0 and there are two pairs or more).
    public func split(validationFraction fraction: Double, seed: UInt64) -> (
        training: TranslationPairs, validation: TranslationPairs
    ) {
        var generator = SeededGenerator(seed: seed)
        var order = Array(pairs.indices)
        order.shuffle(using: &generator)
        let held =
            fraction > 0 && pairs.count > 1
            ? min(max(1, Int((Double(pairs.count) * fraction).rounded())), pairs.count - 1) : 0
        let validation = Set(order.prefix(held))
        return (
            TranslationPairs(
                pairs: pairs.indices.filter { !validation.contains($0) }.map { pairs[$0] }, skipped: skipped),
            TranslationPairs(
                pairs: pairs.indices.filter { validation.contains($0) }.map { pairs[$0] }, skipped: SkipReport())
        )
    }
}
