import Foundation
import GRUNetworks
import GRUTensor

/// How `EncoderDecoderModel.decode` searches: greedy (beam width 1) or beam search.
///
/// A hypothesis ends when it emits `endToken` (which it keeps) or reaches `maxLength` tokens.
/// Its score is its log-probability sum / length^`lengthPenalty` (0: the plain sum; 1: the mean
/// per token, as GNMT's and fairseq's length normalization with that exponent).
public struct DecodingOptions: Equatable, Sendable {
    /// Hypotheses kept per sequence each step: 1 is greedy.
    public var beamWidth: Int
    /// The most tokens an output holds, the end token included.
    public var maxLength: Int
    /// The exponent of the length normalization.
    public var lengthPenalty: Double
    /// The decoder's first input.
    public var startToken: Int
    /// The token that ends an output.
    public var endToken: Int

    /// Options; `beamWidth` and `maxLength` must be positive.
    public init(beamWidth: Int = 1, maxLength: Int, lengthPenalty: Double = 0, startToken: Int, endToken: Int) {
        self.beamWidth = beamWidth
        self.maxLength = maxLength
        self.lengthPenalty = lengthPenalty
        self.startToken = startToken
        self.endToken = endToken
    }

    /// The score of a hypothesis of `length` tokens with log-probability sum `logProbability`.
    func score(_ logProbability: Double, length: Int) -> Double {
        lengthPenalty == 0 ? logProbability : logProbability / pow(Double(length), lengthPenalty)
    }
}

/// One output of `decode`: its tokens (the end token last, unless it stopped at the maximum
/// length) and its log-probability sum.
public struct DecodedSequence: Equatable, Sendable {
    /// The tokens, the end token included.
    public let tokens: [Int]
    /// The sum of the tokens' log-probabilities.
    public let logProbability: Double
}

extension EncoderDecoderModel {
    /// The best output for every source sequence of a (S, B) time-major batch, by beam search
    /// (greedy at width 1), all sequences' hypotheses stepped together as the decoder's rows.
    ///
    /// Each step keeps a sequence's `beamWidth` best continuations by log-probability; those
    /// that end leave the beam as outputs, and the sequence is done at `beamWidth` outputs or
    /// the maximum length. Its result is the output of the best score.
    ///
    /// - Throws: `GRUInputError` for bad options, ids outside the vocabularies, or lengths
    ///   out of range.
    public func decode(source: [Int], sourceLengths: [Int], options: DecodingOptions) throws -> [DecodedSequence] {
        try decode(.tokens(source), sourceLengths: sourceLengths, options: options)
    }

    /// As `decode(source:sourceLengths:options:)` for a model whose source is feature vectors:
    /// (S, B, F) time-major.
    public func decode(sourceFeatures: [Float], sourceLengths: [Int], options: DecodingOptions) throws
        -> [DecodedSequence]
    {
        try decode(
            .features(sourceFeatures, width: configuration.sourceFeatureCount), sourceLengths: sourceLengths,
            options: options)
    }

    /// The best output for every source of `batch`, ids or feature vectors (its targets unused).
    public func decode(_ batch: TranslationBatch, options: DecodingOptions) throws -> [DecodedSequence] {
        try decode(batch.encoderInput, sourceLengths: batch.sourceLengths, options: options)
    }

    func decode(_ input: EncoderInput, sourceLengths: [Int], options: DecodingOptions) throws -> [DecodedSequence] {
        let vocabulary = configuration.targetVocabularySize
        guard options.beamWidth >= 1, options.maxLength >= 1 else {
            throw GRUInputError(
                .setting("beam width and maximum length"), found: "\(options.beamWidth) and \(options.maxLength)",
                expected: "at least 1 each")
        }
        for (name, token) in [("start token", options.startToken), ("end token", options.endToken)]
        where !(0..<vocabulary).contains(token) {
            throw GRUInputError(.setting(name), found: "\(token)", expected: "a target id in 0..<\(vocabulary)")
        }
        let encoded = try encode(input, sourceLengths: sourceLengths)
        let contexts = encoded.contexts
        let batch = sourceLengths.count, h = configuration.hiddenSize

        struct Hypothesis {
            var tokens: [Int]
            var logProbability: Double
            var state: [Float]
        }
        var live: [[Hypothesis]] = (0..<batch).map { b in
            [Hypothesis(tokens: [], logProbability: 0, state: Array(contexts.scalars[(b * h)..<((b + 1) * h)]))]
        }
        var finished: [[DecodedSequence]] = Array(repeating: [], count: batch)
        for length in 1...options.maxLength {
            // Every live hypothesis of every sequence, one decoder row each.
            let rows = live.enumerated().flatMap { b, hypotheses in hypotheses.map { (b, $0) } }
            guard !rows.isEmpty else { break }
            let (logProbabilities, states) = try decoderStep(
                tokens: rows.map { $0.1.tokens.last ?? options.startToken }, states: rows.flatMap(\.1.state),
                sequences: rows.map(\.0), source: encoded)
            var next: [[Hypothesis]] = Array(repeating: [], count: batch)
            var candidates: [[(row: Int, token: Int, logProbability: Double)]] = Array(repeating: [], count: batch)
            for (row, (b, hypothesis)) in rows.enumerated() {
                for token in 0..<vocabulary {
                    candidates[b].append(
                        (row, token, hypothesis.logProbability + logProbabilities[row * vocabulary + token]))
                }
            }
            for b in 0..<batch where !candidates[b].isEmpty {
                // The best beamWidth continuations (ties to the earlier row and token).
                let best = candidates[b].enumerated().sorted {
                    $0.element.logProbability != $1.element.logProbability
                        ? $0.element.logProbability > $1.element.logProbability : $0.offset < $1.offset
                }.prefix(options.beamWidth).map(\.element)
                for candidate in best {
                    let parent = rows[candidate.row].1
                    let tokens = parent.tokens + [candidate.token]
                    if candidate.token == options.endToken || length == options.maxLength {
                        finished[b].append(DecodedSequence(tokens: tokens, logProbability: candidate.logProbability))
                    } else {
                        next[b].append(
                            Hypothesis(
                                tokens: tokens, logProbability: candidate.logProbability,
                                state: Array(states[(candidate.row * h)..<((candidate.row + 1) * h)])))
                    }
                }
                // A sequence is done once it has beamWidth finished outputs.
                if finished[b].count >= options.beamWidth { next[b] = [] }
            }
            live = next
        }
        return finished.map { outputs in
            outputs.enumerated().max {
                let (a, b) = (
                    options.score($0.element.logProbability, length: $0.element.tokens.count),
                    options.score($1.element.logProbability, length: $1.element.tokens.count)
                )
                return a != b ? a < b : $0.offset > $1.offset
            }!.element
        }
    }

    /// What the decoder reads of a batch of sources: each sequence's context c, (B, H), and,
    /// with attention, the encoder's outputs and their keys.
    struct EncodedSource {
        let contexts: Tensor
        let memory: AttentionMemory?
    }

    /// Encodes a time-major batch of sources.
    func encode(_ source: EncoderInput, sourceLengths: [Int]) throws -> EncodedSource {
        let batch = sourceLengths.count
        return try parameters.withUnsafeBufferPointer { weights in
            let pass = try encoderPass(source: source, lengths: sourceLengths, weights: weights)
            let memory = decoderAttention?.memory(
                values: pass.encoded.output.scalars, steps: pass.encoded.output.shape[0], batch: batch,
                lengths: sourceLengths,
                attention: slice(.attention, of: weights))
            return EncodedSource(contexts: pass.context, memory: memory)
        }
    }

    /// One decoder step for R rows: each row's previous token and state s_{t-1} (R * H), and
    /// the source sequence it belongs to; returns the log-softmax of the logits (R * Vt) and
    /// the states s_t.
    func decoderStep(tokens: [Int], states: [Float], sequences: [Int], source: EncodedSource) throws -> (
        logProbabilities: [Double], states: [Float]
    ) {
        let rows = tokens.count, e = configuration.embeddingSize, h = configuration.hiddenSize
        let vocabulary = configuration.targetVocabularySize, width = configuration.sourceViewWidth
        return try parameters.withUnsafeBufferPointer { weights in
            let embedded = try targetEmbedding.forward(
                tokens, shape: [rows], weights: slice(.targetEmbedding, of: weights)
            ).output
            // What each row reads of its source: c, or its attention's weighted outputs.
            let view: Tensor
            if let attention = decoderAttention, let memory = source.memory {
                let m = attention.memoryWidth, batch = memory.batch
                var values = [Float](repeating: 0, count: memory.steps * rows * m)
                var keys = [Float](repeating: 0, count: memory.steps * rows * h)
                for j in 0..<memory.steps {
                    for (row, b) in sequences.enumerated() {
                        for k in 0..<m { values[(j * rows + row) * m + k] = memory.values[(j * batch + b) * m + k] }
                        for k in 0..<h { keys[(j * rows + row) * h + k] = memory.keys[(j * batch + b) * h + k] }
                    }
                }
                let rowMemory = AttentionMemory(
                    steps: memory.steps, batch: rows, values: values, keys: keys,
                    lengths: sequences.map { memory.lengths[$0] })
                let weighted = attention.weighted(
                    query: states, memory: rowMemory, attention: slice(.attention, of: weights),
                    vector: slice(.attentionVector, of: weights))
                view = Tensor(shape: [rows, m], scalars: weighted)
            } else {
                view = Tensor(
                    shape: [rows, h],
                    scalars: sequences.flatMap { source.contexts.scalars[($0 * h)..<(($0 + 1) * h)] })
            }
            let input = Self.concatenated([embedded, view], rows: rows).reshaped(to: [1, rows, e + width])
            let decoded = try decoder.forward(
                input, initialState: Tensor(shape: [1, rows, h], scalars: states), weights: slice(.decoder, of: weights)
            )
            let s = decoded.output.reshaped(to: [rows, h])
            let logits = head.forward(
                Self.concatenated([embedded, s, view], rows: rows), weights: slice(.head, of: weights)
            )
            .output.scalars
            var logProbabilities = [Double](repeating: 0, count: rows * vocabulary)
            for row in 0..<rows {
                let start = row * vocabulary
                let largest = logits[start..<(start + vocabulary)].max()!
                let normalizer =
                    Double(largest)
                    + log(logits[start..<(start + vocabulary)].reduce(0.0) { $0 + exp(Double($1 - largest)) })
                for c in 0..<vocabulary { logProbabilities[start + c] = Double(logits[start + c]) - normalizer }
            }
            return (logProbabilities, s.scalars)
        }
    }
}
