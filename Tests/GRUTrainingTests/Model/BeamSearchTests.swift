import Foundation
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUTraining

/// `EncoderDecoderModel.decode` on tiny random models, with and without attention: beam width 1 is a plain greedy loop
/// (argmax, feed it back), a beam wide enough to keep every hypothesis finds the best-scoring
/// output of an exhaustive search (with and without length normalization), every sequence of a
/// batch decodes as it does alone (to float rounding), the reported log-probability is the teacher-forced one, and
/// bad options are errors.
@Suite(.tags(.unit))
struct BeamSearchTests {
    static func configuration(_ attention: EncoderDecoderConfiguration.Attention) -> EncoderDecoderConfiguration {
        EncoderDecoderConfiguration(
            sourceVocabularySize: 6, targetVocabularySize: 3, embeddingSize: 3, hiddenSize: 5, encoderLayers: 1,
            bidirectional: true, attention: attention)
    }
    static let source = [1, 4, 2, 5, 3, 0, 4, 1, 0]  // (S = 3, B = 3), time-major
    static let sourceLengths = [3, 2, 1]
    static let end = 0, start = 1

    static func model(seed: UInt64, attention: EncoderDecoderConfiguration.Attention = .none) throws
        -> EncoderDecoderModel
    {
        var model = try EncoderDecoderModel(configuration: configuration(attention), seed: seed)
        // Larger weights than the initialization's, so that the distributions are far from flat.
        model.parameters = model.parameters.map { $0 * 4 }
        return model
    }

    /// The source column of sequence `b` alone, (S_b, 1).
    static func alone(_ b: Int) -> (source: [Int], lengths: [Int]) {
        ((0..<sourceLengths[b]).map { source[$0 * 3 + b] }, [sourceLengths[b]])
    }

    /// The log-probability of `tokens` for sequence `b`, step by step from the start token.
    static func logProbability(_ model: EncoderDecoderModel, _ b: Int, _ tokens: [Int]) throws -> Double {
        let (source, lengths) = alone(b)
        let encoded = try model.encode(.tokens(source), sourceLengths: lengths)
        var state = encoded.contexts.scalars
        var previous = start, total = 0.0
        for token in tokens {
            let step = try model.decoderStep(tokens: [previous], states: state, sequences: [0], source: encoded)
            total += step.logProbabilities[token]
            (state, previous) = (step.states, token)
        }
        return total
    }

    @Test(arguments: [1, 2, 3] as [UInt64], EncoderDecoderConfiguration.Attention.allCases)
    func widthOneIsAGreedyLoop(_ seed: UInt64, _ attention: EncoderDecoderConfiguration.Attention) throws {
        let model = try Self.model(seed: seed, attention: attention)
        let options = DecodingOptions(beamWidth: 1, maxLength: 6, startToken: Self.start, endToken: Self.end)
        let decoded = try model.decode(source: Self.source, sourceLengths: Self.sourceLengths, options: options)
        for b in 0..<3 {
            let (source, lengths) = Self.alone(b)
            let encoded = try model.encode(.tokens(source), sourceLengths: lengths)
            var state = encoded.contexts.scalars
            var tokens: [Int] = [], previous = Self.start
            while tokens.count < 6 {
                let step = try model.decoderStep(tokens: [previous], states: state, sequences: [0], source: encoded)
                previous = step.logProbabilities.indices.max { step.logProbabilities[$0] < step.logProbabilities[$1] }!
                tokens.append(previous)
                state = step.states
                if previous == Self.end { break }
            }
            #expect(decoded[b].tokens == tokens, "sequence \(b)")
            // The batch's rows are summed in another order than one row alone: float rounding.
            let alone = try Self.logProbability(model, b, tokens)
            #expect(abs(decoded[b].logProbability - alone) < 1e-5, "\(decoded[b].logProbability) against \(alone)")
        }
    }

    /// Every output of at most `maxLength` tokens: ending with the end token, or of the full
    /// length without it.
    static func everyOutput(maxLength: Int, vocabulary: Int) -> [[Int]] {
        var outputs: [[Int]] = [], prefixes: [[Int]] = [[]]
        for length in 1...maxLength {
            var longer: [[Int]] = []
            for prefix in prefixes {
                for token in 0..<vocabulary {
                    let tokens = prefix + [token]
                    if token == end || length == maxLength { outputs.append(tokens) } else { longer.append(tokens) }
                }
            }
            prefixes = longer
        }
        return outputs
    }

    @Test(arguments: [0, 1] as [Double], EncoderDecoderConfiguration.Attention.allCases)
    func aWideEnoughBeamFindsTheExhaustiveBest(
        _ lengthPenalty: Double, _ attention: EncoderDecoderConfiguration.Attention
    ) throws {
        let maxLength = 3, vocabulary = Self.configuration(attention).targetVocabularySize
        let outputs = Self.everyOutput(maxLength: maxLength, vocabulary: vocabulary)
        #expect(outputs.count == 15)  // [end], 2 of 2 tokens ending, and 4 prefixes x 3 of 3 tokens
        for seed in [4, 5, 6] as [UInt64] {
            let model = try Self.model(seed: seed, attention: attention)
            let options = DecodingOptions(
                beamWidth: 27, maxLength: maxLength, lengthPenalty: lengthPenalty, startToken: Self.start,
                endToken: Self.end)
            let decoded = try model.decode(source: Self.source, sourceLengths: Self.sourceLengths, options: options)
            for b in 0..<3 {
                let scored = try outputs.map {
                    ($0, options.score(try Self.logProbability(model, b, $0), length: $0.count))
                }
                let best = scored.max { $0.1 < $1.1 }!
                #expect(decoded[b].tokens == best.0, "seed \(seed) sequence \(b): \(scored)")
            }
        }
    }

    @Test(arguments: EncoderDecoderConfiguration.Attention.allCases)
    func aBatchDecodesAsEachSequenceAlone(_ attention: EncoderDecoderConfiguration.Attention) throws {
        let model = try Self.model(seed: 7, attention: attention)
        let options = DecodingOptions(beamWidth: 2, maxLength: 5, startToken: Self.start, endToken: Self.end)
        let batch = try model.decode(source: Self.source, sourceLengths: Self.sourceLengths, options: options)
        for b in 0..<3 {
            let (source, lengths) = Self.alone(b)
            let single = try model.decode(source: source, sourceLengths: lengths, options: options)[0]
            #expect(single.tokens == batch[b].tokens, "sequence \(b)")
            #expect(abs(single.logProbability - batch[b].logProbability) < 1e-5, "sequence \(b)")
        }
    }

    @Test func badOptionsAreErrors() throws {
        let model = try Self.model(seed: 1)
        for options in [
            DecodingOptions(beamWidth: 0, maxLength: 3, startToken: 1, endToken: 0),
            DecodingOptions(beamWidth: 1, maxLength: 0, startToken: 1, endToken: 0),
            DecodingOptions(beamWidth: 1, maxLength: 3, startToken: 3, endToken: 0),
        ] {
            #expect(throws: GRUInputError.self) {
                try model.decode(source: Self.source, sourceLengths: Self.sourceLengths, options: options)
            }
        }
    }
}
