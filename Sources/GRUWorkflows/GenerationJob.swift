import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTraining

/// A `gru generate` run: text sampled from a language model one token at a time.
///
/// The prompt is split by the model's tokenizer (characters for character models) and run
/// through the model in one pass; its final state and last output start the sampling. Each
/// step then samples a token from softmax(logits / temperature) over the `topK` most likely
/// tokens and feeds it back as a batch of one sequence of one step, carrying the GRU state.
/// `<pad>` and `<unk>` are never sampled. With no prompt (or one without tokens), the state
/// starts from a line break when the vocabulary has one, else from the most frequent token,
/// and that start is not part of the text. The same seed gives the same text.
public struct GenerationJob {
    /// The model directory of a language model written by `gru train`.
    public var directory: ModelDirectory
    /// The text to continue; nil starts from a line break (see above).
    public var prompt: String?
    /// The most tokens one run samples.
    public static let longestGeneration = 10_000_000

    /// How many tokens to sample, at least 0.
    public var length: Int
    /// Divides the logits before the softmax: below 1 sharpens, above 1 flattens; 0 always
    /// takes the most likely token.
    public var temperature: Float
    /// Samples among this many most likely tokens only; nil samples among all.
    public var topK: Int?
    /// The seed of the sampling.
    public var seed: UInt64
    /// The precision of the GRU stack's weights (`SequenceModel.atPrecision`); nil keeps the
    /// precision they are stored at (float32, or the bf16 or int8 of a `gru quantize` copy).
    public var precision: InferencePrecision?

    /// A job sampling `length` tokens from the model in `directory`.
    public init(
        directory: ModelDirectory, prompt: String? = nil, length: Int = 200, temperature: Float = 1,
        topK: Int? = nil, seed: UInt64 = 0
    ) {
        self.directory = directory
        self.prompt = prompt
        self.length = length
        self.temperature = temperature
        self.topK = topK
        self.seed = seed
    }

    /// What `run` returns: the prompt and what the model wrote after it.
    public struct GeneratedText: Equatable, Sendable {
        /// The prompt as given ("" when none).
        public var prompt: String
        /// The sampled tokens, in order.
        public var tokens: [String]
        /// The sampled tokens as text: concatenated for character models, separated by spaces
        /// (and from the prompt) for word models.
        public var continuation: String

        /// The prompt followed by the continuation.
        public var text: String { prompt + continuation }
    }

    /// Loads the language model and samples `length` tokens.
    ///
    /// - Throws: `GRUInputError` for a length, temperature or top-k out of range; `FormatError`
    ///   naming the model directory when it is missing or not a language model.
    public func run() throws -> GeneratedText {
        try validate()
        let (loaded, manifest) = try directory.loadTrainedModel()
        let model = try precision.map { try loaded.atPrecision($0) } ?? loaded
        guard manifest.model.task == .languageModel, let vocabulary = manifest.data.vocabulary else {
            throw FormatError(
                directory.url.relativePath,
                "holds a \(manifest.model.task.rawValue) model; gru generate needs a language-model model (trained on a .txt file)"
            )
        }
        guard vocabulary.count > 2 else {
            throw FormatError(directory.url.relativePath, "the vocabulary has no tokens besides <pad> and <unk>")
        }
        let tokenizer = manifest.data.tokenizer ?? .characters
        var ids = vocabulary.ids(for: tokenizer.tokens(in: prompt ?? ""))
        if ids.isEmpty {
            // Ids from 2 on are ordered by training frequency: id 2 is the most frequent token.
            ids = [vocabulary.contains("\n") ? vocabulary.id(for: "\n") : 2]
        }

        var pass = try model.forward(Self.batch(of: ids))
        var logits = Array(pass.output.scalars.suffix(vocabulary.count))  // the prompt's last step: (V)
        var generator = SeededGenerator(seed: seed)
        var tokens: [String] = []
        for step in 0..<length {
            let id = Self.sample(logits, temperature: temperature, topK: topK, using: &generator)
            tokens.append(vocabulary.token(for: id))
            guard step < length - 1 else { break }
            pass = try model.forward(Self.batch(of: [id]), initialState: pass.finalState)
            logits = pass.output.scalars  // (1, V)
        }
        let continuation: String
        if tokenizer.unit == .characters {
            continuation = tokens.joined()
        } else {
            let words = tokens.joined(separator: " ")
            continuation = (prompt ?? "").isEmpty || words.isEmpty ? words : " " + words
        }
        return GeneratedText(prompt: prompt ?? "", tokens: tokens, continuation: continuation)
    }

    /// Checks the sampling settings.
    func validate() throws {
        // The text is printed whole at the end, so a length without end would only fill memory.
        guard (0...Self.longestGeneration).contains(length) else {
            throw GRUInputError(
                .setting("--length"), found: "generation length is \(length)",
                expected: "0...\(Self.longestGeneration) tokens")
        }
        guard temperature >= 0, temperature.isFinite else {
            throw GRUInputError(
                .setting("--temperature"), found: "temperature is \(temperature)",
                expected: "a finite value of 0 or more (0 takes the most likely token)")
        }
        if let topK, topK < 1 {
            throw GRUInputError(.setting("--top-k"), found: "top-k is \(topK)", expected: "at least 1")
        }
    }

    /// One sequence of the given token ids, with placeholder targets the model does not read.
    static func batch(of ids: [Int]) -> SequenceBatch {
        SequenceBatch(
            examples: [
                SequenceExample(
                    input: .tokens(ids), target: .stepClasses([Int](repeating: 0, count: ids.count)), source: "prompt")
            ],
            exampleIndices: [0])
    }

    /// A token id drawn from softmax(logits / temperature) over the `topK` largest logits, ids
    /// 0 and 1 (`<pad>`, `<unk>`) left out; the largest logit when the temperature is 0.
    ///
    /// - Parameter logits: one step's output: (V), V > 2.
    static func sample(_ logits: [Float], temperature: Float, topK: Int?, using generator: inout SeededGenerator) -> Int
    {
        let first = Vocabulary.unknownID + 1
        // Most likely first; equal logits by id, so the choice never depends on sort stability.
        var candidates = Array(first..<logits.count).sorted {
            logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1
        }
        if temperature == 0 { return candidates[0] }
        if let topK { candidates = Array(candidates.prefix(topK)) }
        // In Double, shifted by the largest logit (candidates[0]): a small temperature cannot overflow.
        let largest = Double(logits[candidates[0]])
        let weights = candidates.map { exp((Double(logits[$0]) - largest) / Double(temperature)) }
        let draw = Double(generator.next() >> 11) * 0x1p-53 * weights.reduce(0, +)  // uniform in [0, total)
        var cumulative = 0.0
        for (candidate, weight) in zip(candidates, weights) {
            cumulative += weight
            if draw < cumulative { return candidate }
        }
        return candidates[candidates.count - 1]  // the sum fell short of the draw by rounding
    }
}
