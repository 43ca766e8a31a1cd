import Foundation
import GRUNetworks
import GRUTensor
import Testing

@testable import GRUTraining

/// Scheduled sampling: at probability 1 the decoder inputs are the model's greedy decoding fed
/// back (what `decode` at beam width 1 emits), at 0 the batch is left as it is, in between
/// the seed decides; training with it repeats exactly and differs from teacher forcing.
@Suite(.tags(.unit))
struct ScheduledSamplingTests {
    /// (S = 3, B = 3) sources and (T = 4, B = 3) targets, time-major; start 1, end 0.
    static let batch = TranslationBatch(
        source: [1, 4, 2, 5, 3, 6, 4, 1, 2], sourceLengths: [3, 3, 3],
        targetInput: [1, 1, 1, 3, 4, 2, 5, 2, 4, 2, 3, 5],
        targetOutput: [3, 4, 2, 5, 2, 4, 2, 3, 5, 0, 0, 0], targetLengths: [4, 4, 4])

    static func model(_ attention: EncoderDecoderConfiguration.Attention) throws -> EncoderDecoderModel {
        var model = try EncoderDecoderModel(
            configuration: EncoderDecoderConfiguration(
                sourceVocabularySize: 7, targetVocabularySize: 6, embeddingSize: 4, hiddenSize: 5, bidirectional: true,
                attention: attention),
            seed: 2)
        // Far from flat distributions, so that the greedy choices are clear.
        model.parameters = model.parameters.map { $0 * 4 }
        return model
    }

    @Test(arguments: EncoderDecoderConfiguration.Attention.allCases)
    func probabilityOneFeedsTheGreedyDecoding(_ attention: EncoderDecoderConfiguration.Attention) throws {
        let model = try Self.model(attention)
        let sampled = try model.scheduledSampling(Self.batch, probability: 1, seed: 3)
        let decoded = try model.decode(
            source: Self.batch.source, sourceLengths: Self.batch.sourceLengths,
            options: DecodingOptions(beamWidth: 1, maxLength: 3, startToken: 1, endToken: 0))
        for b in 0..<3 {
            #expect(sampled.targetInput[b] == 1, "the first input stays the start token")
            // Greedy decoding stops at the end token; the inputs go on past it.
            let fed = (1..<4).map { sampled.targetInput[$0 * 3 + b] }
            #expect(Array(fed.prefix(decoded[b].tokens.count)) == decoded[b].tokens, "row \(b)")
        }
        #expect(sampled.targetOutput == Self.batch.targetOutput && sampled.targetLengths == Self.batch.targetLengths)
        #expect(try model.scheduledSampling(Self.batch, probability: 0, seed: 3).targetInput == Self.batch.targetInput)
    }

    @Test func theSeedDecidesWhichInputsAreReplaced() throws {
        let model = try Self.model(.additive)
        let half = try model.scheduledSampling(Self.batch, probability: 0.5, seed: 7).targetInput
        #expect(half == (try model.scheduledSampling(Self.batch, probability: 0.5, seed: 7).targetInput))
        let replaced = (3..<12).filter { half[$0] != Self.batch.targetInput[$0] }
        #expect(!replaced.isEmpty && replaced.count < 9, "\(half)")
        // A row's first replaced input follows true inputs only: it is teacher forcing's
        // prediction of that step.
        let logits = try model.teacherForced(Self.batch, computesGradients: false).logits.scalars
        for b in 0..<3 {
            guard let t = (1..<4).first(where: { half[$0 * 3 + b] != Self.batch.targetInput[$0 * 3 + b] }) else {
                continue
            }
            let row = Array(logits[(((t - 1) * 3 + b) * 6)..<(((t - 1) * 3 + b + 1) * 6)])
            #expect(half[t * 3 + b] == row.indices.max { row[$0] < row[$1] }!, "row \(b), step \(t)")
        }
        var seeds = Set<[Int]>()
        for seed in 0..<8 as Range<UInt64> {
            seeds.insert(try model.scheduledSampling(Self.batch, probability: 0.5, seed: seed).targetInput)
        }
        #expect(seeds.count > 1)
    }

    @Test func theTrainerSamplesAndRepeats() throws {
        let examples = (0..<12).map { i in
            TranslationExample(
                source: [1 + i % 6, 1 + (i * 5) % 6], targetInput: [1, 2 + i % 4, 2 + (i * 3) % 4],
                targetOutput: [2 + i % 4, 2 + (i * 3) % 4, 0])
        }
        func trained(_ probability: Float) throws -> [Float] {
            var options = EncoderDecoderTrainingOptions(epochs: 2, batchSize: 4, learningRate: 0.05, seed: 1)
            (options.scheduledSampling, options.scheduledSamplingRamp) = (probability, 1)
            let trainer = try EncoderDecoderTrainer(
                model: try Self.model(.none), examples: examples, options: options)
            try trainer.runEpoch()
            try trainer.runEpoch()
            return trainer.model.parameters
        }
        let sampled = try trained(1)
        #expect(sampled == (try trained(1)))
        #expect(sampled != (try trained(0)))
        var options = EncoderDecoderTrainingOptions()
        options.scheduledSampling = 1.5
        #expect(throws: GRUInputError.self) {
            try EncoderDecoderTrainer(model: try Self.model(.none), examples: examples, options: options)
        }
    }
}
