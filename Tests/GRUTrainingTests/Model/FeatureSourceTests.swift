import Foundation
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUTraining

/// An encoder-decoder whose source is feature vectors: what a pairs file's features field
/// parses to (`FeatureSteps`), that decoding a batch equals decoding each source alone (the
/// padding's values unread), with and without attention, and that a source of the wrong kind,
/// width or with a NaN is an error. Its gradients against PyTorch are the `feat_*` cases of
/// EncoderDecoderReferenceTests.
@Suite(.tags(.unit))
struct FeatureSourceTests {
    @Test func theFieldsParse() throws {
        #expect(try FeatureSteps.parse("1 2;3 4", width: nil).get() == [[1, 2], [3, 4]])
        #expect(try FeatureSteps.parse(" 1,2 ; -3e-1, 4 ;", width: 2).get() == [[1, 2], [-0.3, 4]])
        for (field, width, fragment) in [
            ("1 2;;3 4", nil, "step 2 is empty"), ("1 2;3", nil, "step 2 has 1 values; expected 2"),
            ("1 2 3", 2, "step 1 has 3 values; expected 2"), ("1 nan", nil, "'nan'"), ("inf 1", nil, "'inf'"),
            ("1 a", nil, "'a'"), ("", nil, "step 1 is empty"),
        ] as [(Substring, Int?, String)] {
            switch FeatureSteps.parse(field, width: width) {
            case .success(let steps): Issue.record("\(field) parsed to \(steps)")
            case .failure(let problem): #expect(problem.message.contains(fragment), "\(problem.message)")
            }
        }
    }

    static func model(_ attention: EncoderDecoderConfiguration.Attention) throws -> EncoderDecoderModel {
        var model = try EncoderDecoderModel(
            configuration: EncoderDecoderConfiguration(
                sourceFeatureCount: 3, targetVocabularySize: 5, embeddingSize: 3, hiddenSize: 4, bidirectional: true,
                attention: attention),
            seed: 2)
        model.parameters = model.parameters.map { $0 * 3 }
        return model
    }

    static let options = DecodingOptions(beamWidth: 2, maxLength: 6, startToken: 2, endToken: 3)

    @Test(arguments: EncoderDecoderConfiguration.Attention.allCases)
    func aBatchDecodesAsEachSourceAlone(_ attention: EncoderDecoderConfiguration.Attention) throws {
        let model = try Self.model(attention)
        var generator = SeededGenerator(seed: 4)
        let lengths = [3, 1, 2], steps = 3, width = 3
        var features = (0..<(steps * lengths.count * width)).map { _ in generator.uniform(-1, 1) }
        // Padding of large values: a model that read it would decode otherwise.
        for b in lengths.indices {
            for t in lengths[b]..<steps { for k in 0..<width { features[(t * lengths.count + b) * width + k] = 50 } }
        }
        let together = try model.decode(sourceFeatures: features, sourceLengths: lengths, options: Self.options)
        for b in lengths.indices {
            var alone: [Float] = []
            for t in 0..<lengths[b] {
                let row = (t * lengths.count + b) * width
                alone += features[row..<(row + width)]
            }
            let decoded = try model.decode(sourceFeatures: alone, sourceLengths: [lengths[b]], options: Self.options)
            #expect(decoded[0].tokens == together[b].tokens)
            #expect(abs(decoded[0].logProbability - together[b].logProbability) < 1e-4)
        }
    }

    @Test func aSourceOfTheWrongKindWidthOrValuesIsAnError() throws {
        let model = try Self.model(.additive)
        let tokens = try EncoderDecoderModel(
            configuration: EncoderDecoderConfiguration(
                sourceVocabularySize: 4, targetVocabularySize: 5, embeddingSize: 3, hiddenSize: 4),
            seed: 1)
        let cases: [(() throws -> Void, String)] = [
            ({ _ = try model.decode(source: [1, 2], sourceLengths: [2], options: Self.options) }, "token ids"),
            (
                { _ = try tokens.decode(sourceFeatures: [1, 2, 3], sourceLengths: [1], options: Self.options) },
                "feature vectors"
            ),
            (
                { _ = try model.decode(sourceFeatures: [1, 2, 3, 4], sourceLengths: [1], options: Self.options) },
                "4 feature values"
            ),
            ({ _ = try model.decode(sourceFeatures: [1, .nan, 3], sourceLengths: [1], options: Self.options) }, "NaN"),
            ({ _ = try model.decode(sourceFeatures: [], sourceLengths: [1], options: Self.options) }, "S >= 1"),
        ]
        for (call, fragment) in cases {
            let error = #expect(throws: GRUInputError.self) { try call() }
            #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
        }
    }
}
