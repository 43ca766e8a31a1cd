import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// README's library example, kept compiling and true.
@Suite(.tags(.endToEnd))
struct ReadmeExampleEndToEndTests {
    @Test func libraryExample() throws {
        let directory = try TemporaryDirectory()
        let configuration = GRUConfiguration(
            inputSize: 8, hiddenSize: 16, layerCount: 2, isBidirectional: true, variant: .resetAfter)
        let gru = GRU(configuration: configuration, initialization: .pytorch, seed: 42)

        let input = Tensor(shape: [24, 4, 8], repeating: 0.1)  // (T, B, I)
        let result = try gru.forward(input, lengths: [24, 17, 9, 20])
        #expect(result.output.shape == [24, 4, 32])
        #expect(result.finalState.shape == [4, 4, 16])

        let gradients = try gru.backward(
            result, outputGradient: Tensor(shape: result.output.shape, repeating: 1))
        #expect(gradients.input.shape == [24, 4, 8])

        let url = directory.url.appendingPathComponent("gru.safetensors")
        try gru.save(to: url)
        let loaded = try GRU.load(contentsOf: url)
        #expect(loaded.parameters == gru.parameters)

        let streaming = GRU(configuration: GRUConfiguration(inputSize: 8, hiddenSize: 16), seed: 1)
        let session = GRUInferenceSession(streaming)
        var state = [Float](repeating: 0, count: 16)
        let frames = [[Float]](repeating: [Float](repeating: 0.1, count: 8), count: 5)
        for frame in frames { try session.step(frame, state: &state) }
        let whole = try streaming.forward(Tensor(shape: [5, 1, 8], scalars: frames.flatMap { $0 }))
        expectApproximatelyEqual(state, whole.finalState.scalars, absoluteTolerance: 2e-6, "streamed final state")

        let quantized = GRUInferenceSession(streaming, precision: .int8)
        #expect(quantized.weightBytes == 1152 && session.weightBytes == 4608)
    }

    @Test func sequenceToSequenceExample() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("pairs.tsv")
        try Data("ABOUT\tAH0 B AW1 T\nGRU\tG R UW1\nBUG\tB AH1 G\n".utf8).write(to: url)
        let pairs = try TranslationPairs.read(
            url, source: .characters, target: Tokenizer(unit: .whitespace, lowercases: false))
        let vocabularies = TranslationVocabularies(fitting: pairs)
        #expect(vocabularies.target.token(for: TranslationVocabularies.startID) == "<s>")
        let seq2seq = try EncoderDecoderModel(
            configuration: EncoderDecoderConfiguration(
                sourceVocabularySize: vocabularies.source.count, targetVocabularySize: vocabularies.target.count,
                embeddingSize: 32, hiddenSize: 128, bidirectional: true, attention: .additive),
            seed: 1)
        let trainer = EncoderDecoderTrainer(
            model: seq2seq, examples: pairs.pairs.map(vocabularies.encode), batchSize: 32, learningRate: 1e-3,
            clipNorm: 1, seed: 7)
        let first = try trainer.runEpoch()
        var last = first
        for _ in 1..<20 { last = try trainer.runEpoch() }
        #expect(last < first)
        let source = vocabularies.source.ids(for: Array("GRU").map(String.init))
        let best = try trainer.model.decode(
            source: source, sourceLengths: [source.count],
            options: DecodingOptions(
                beamWidth: 4, maxLength: 20, lengthPenalty: 1, startToken: TranslationVocabularies.startID,
                endToken: TranslationVocabularies.endID))
        // Three pairs, twenty epochs: it has learned the one it saw.
        #expect(best[0].tokens.map(vocabularies.target.token(for:)) == ["G", "R", "UW1", "</s>"])
    }
}
