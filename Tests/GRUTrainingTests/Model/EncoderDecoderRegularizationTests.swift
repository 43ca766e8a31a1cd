import Foundation
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUTraining

/// The encoder-decoder's regularizers (input dropout on both embeddings, dropout between the
/// encoder's layers, recurrent dropout, zoneout and weight-drop on both GRUs, output dropout
/// on the decoder states the head reads, label smoothing), with and without attention:
///
/// - a training pass's gradients match central finite differences of its loss, its masks held
///   by its seed;
/// - each regularizer changes the training pass and only it; the same seed draws the same
///   masks, and rates of 0 leave the pass as it was;
/// - inference is the unregularized model's, but for zoneout's expectation, which teacher
///   forcing and the decoder's steps (beam search's) take alike.
@Suite(.tags(.unit))
struct EncoderDecoderRegularizationTests {
    typealias Attention = EncoderDecoderConfiguration.Attention

    static func configuration(_ attention: Attention, _ rates: (inout EncoderDecoderConfiguration) -> Void = { _ in })
        -> EncoderDecoderConfiguration
    {
        var configuration = EncoderDecoderConfiguration(
            sourceVocabularySize: 7, targetVocabularySize: 6, embeddingSize: 4, hiddenSize: 5, encoderLayers: 2,
            bidirectional: true, attention: attention)
        rates(&configuration)
        return configuration
    }

    static func everyRegularizer(_ configuration: inout EncoderDecoderConfiguration) {
        configuration.inputDropout = 0.3
        configuration.layerDropout = 0.3
        configuration.recurrentDropout = 0.3
        configuration.outputDropout = 0.3
        configuration.zoneout = 0.2
        configuration.weightDrop = 0.3
    }

    /// (S = 4, B = 3) sources and (T = 3, B = 3) targets, time-major.
    static let batch = TranslationBatch(
        source: [1, 2, 3, 4, 5, 6, 2, 0, 1, 3, 0, 0], sourceLengths: [4, 3, 2],
        targetInput: [1, 1, 1, 3, 4, 2, 5, 0, 4],
        targetOutput: [3, 4, 2, 5, 0, 4, 0, 0, 0], targetLengths: [3, 2, 3])

    @Test(arguments: Attention.allCases)
    func gradientsMatchFiniteDifferences(_ attention: Attention) throws {
        var model = try EncoderDecoderModel(
            configuration: Self.configuration(attention, Self.everyRegularizer), seed: 3)
        let seed: UInt64 = 11, smoothing: Float = 0.1
        let gradients = try #require(
            try model.teacherForced(Self.batch, dropoutSeed: seed, labelSmoothing: smoothing).gradients)
        func loss() throws -> Double {
            Double(
                try model.teacherForced(
                    Self.batch, dropoutSeed: seed, labelSmoothing: smoothing, computesGradients: false
                ).loss)
        }
        // Twelve parameters spread over every part.
        let indices = model.ranges.flatMap { range in
            range.isEmpty ? [] : (0..<12).map { range.lowerBound + $0 * range.count / 12 }
        }
        let step: Float = 1e-2
        var checked = 0
        for index in indices {
            let original = model.parameters[index]
            model.parameters[index] = original + step
            let plus = try loss()
            model.parameters[index] = original - step
            let minus = try loss()
            model.parameters[index] = original
            let numeric = (plus - minus) / Double(2 * step), analytic = Double(gradients[index])
            #expect(
                abs(numeric - analytic) <= 3e-5 + 1e-2 * abs(numeric),
                "parameter \(index): finite differences \(numeric), backward \(analytic)")
            checked += numeric != 0 ? 1 : 0
        }
        #expect(checked > indices.count / 2, "most sampled parameters have a gradient")
    }

    static let regularizers: [(String, @Sendable (inout EncoderDecoderConfiguration) -> Void)] = [
        ("input dropout", { $0.inputDropout = 0.4 }), ("layer dropout", { $0.layerDropout = 0.4 }),
        ("recurrent dropout", { $0.recurrentDropout = 0.4 }), ("output dropout", { $0.outputDropout = 0.4 }),
        ("zoneout", { $0.zoneout = 0.4 }), ("weight-drop", { $0.weightDrop = 0.4 }),
    ]

    @Test(arguments: Attention.allCases)
    func eachRegularizerChangesTrainingOnly(_ attention: Attention) throws {
        let plain = try EncoderDecoderModel(configuration: Self.configuration(attention), seed: 5)
        let inference = try plain.teacherForced(Self.batch, computesGradients: false)
        // A seed with every rate at 0 draws no mask.
        let unmasked = try plain.teacherForced(Self.batch, dropoutSeed: 9)
        #expect(unmasked.loss == inference.loss)
        #expect(unmasked.gradients == (try plain.teacherForced(Self.batch).gradients))
        for (name, rate) in Self.regularizers {
            let model = try EncoderDecoderModel(
                configuration: Self.configuration(attention, rate),
                namedTensors: Dictionary(
                    uniqueKeysWithValues: plain.namedTensors.map { ($0.name, $0.tensor) }))
            let training = try model.teacherForced(Self.batch, dropoutSeed: 9)
            let again = try model.teacherForced(Self.batch, dropoutSeed: 9)
            let other = try model.teacherForced(Self.batch, dropoutSeed: 10)
            #expect(training.loss == again.loss && training.gradients == again.gradients, "\(name): one seed, one pass")
            #expect(training.loss != unmasked.loss, "\(name) changes the training pass")
            #expect(training.loss != other.loss, "\(name): another seed, other masks")
            let regularizedInference = try model.teacherForced(Self.batch, computesGradients: false)
            if name == "zoneout" {
                #expect(regularizedInference.loss != inference.loss, "zoneout's expectation at inference")
            } else {
                #expect(regularizedInference.logits == inference.logits, "\(name) leaves inference as it was")
            }
        }
        // Label smoothing's target is (1 - e) one-hot + e / C, PyTorch's.
        let smoothed = try plain.teacherForced(Self.batch, labelSmoothing: 0.2, computesGradients: false)
        #expect(smoothed.logits == inference.logits)
        #expect(throws: GRUInputError.self) { try plain.teacherForced(Self.batch, labelSmoothing: 1.5) }
        var expected = 0.0, tokens = 0
        for t in 0..<Self.batch.targetSteps {
            for b in 0..<Self.batch.batchSize where t < Self.batch.targetLengths[b] {
                let row = inference.logits.scalars[((t * 3 + b) * 6)..<((t * 3 + b + 1) * 6)].map(Double.init)
                let largest = row.max()!
                let logSum = largest + log(row.map { exp($0 - largest) }.reduce(0, +))
                let target = Self.batch.targetOutput[t * 3 + b]
                expected += 0.8 * (logSum - row[target]) + 0.2 * row.map { logSum - $0 }.reduce(0, +) / 6
                tokens += 1
            }
        }
        #expect(abs(Double(smoothed.loss) - expected / Double(tokens)) < 1e-5, "\(smoothed.loss) against \(expected)")
    }

    /// With zoneout, teacher forcing at inference (the whole-sequence decoder, or the stepped
    /// sweep with attention) and the decoder's single steps that beam search takes give the
    /// same log-probabilities.
    @Test(arguments: Attention.allCases)
    func zoneoutsExpectationIsTheSameInTeacherForcingAndDecoding(_ attention: Attention) throws {
        let model = try EncoderDecoderModel(configuration: Self.configuration(attention) { $0.zoneout = 0.4 }, seed: 6)
        let batch = Self.batch, vocabulary = 6
        let logits = try model.teacherForced(batch, computesGradients: false).logits.scalars
        let encoded = try model.encode(batch.encoderInput, sourceLengths: batch.sourceLengths)
        var states = encoded.contexts.scalars
        for t in 0..<batch.targetSteps {
            let tokens = (0..<3).map { batch.targetInput[t * 3 + $0] }
            let step = try model.decoderStep(tokens: tokens, states: states, sequences: [0, 1, 2], source: encoded)
            for b in 0..<3 {
                let row = Array(logits[((t * 3 + b) * vocabulary)..<((t * 3 + b + 1) * vocabulary)]).map(Double.init)
                let largest = row.max()!
                let normalizer = largest + log(row.map { exp($0 - largest) }.reduce(0, +))
                expectApproximatelyEqual(
                    Array(step.logProbabilities[(b * vocabulary)..<((b + 1) * vocabulary)]),
                    row.map { $0 - normalizer }, absoluteTolerance: 1e-5, "step \(t), row \(b)")
            }
            states = step.states
        }
    }

    /// Training with every regularizer repeats exactly for the same seeds and moves away from
    /// the unregularized run.
    @Test func trainingWithRegularizersIsSeeded() throws {
        let examples = (0..<20).map { i in
            TranslationExample(
                source: [1 + i % 6, 1 + (i * 3) % 6, 1 + (i * 5) % 6], targetInput: [1, 2 + i % 4, 2 + (i * 7) % 4],
                targetOutput: [2 + i % 4, 2 + (i * 7) % 4, 0])
        }
        func trained(_ rates: @escaping (inout EncoderDecoderConfiguration) -> Void) throws -> [Float] {
            var options = EncoderDecoderTrainingOptions(epochs: 2, batchSize: 8, learningRate: 0.01, seed: 2)
            options.labelSmoothing = 0.1
            let trainer = try EncoderDecoderTrainer(
                model: try EncoderDecoderModel(configuration: Self.configuration(.additive, rates), seed: 1),
                examples: examples, options: options)
            try trainer.runEpoch()
            try trainer.runEpoch()
            return trainer.model.parameters
        }
        let regularized = try trained(Self.everyRegularizer)
        #expect(regularized == (try trained(Self.everyRegularizer)))
        #expect(regularized != (try trained { _ in }))
    }
}
