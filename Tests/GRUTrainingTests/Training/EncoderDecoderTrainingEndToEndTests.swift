import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUTraining

/// The encoder-decoder from a TSV file to decoded outputs: reading pairs (characters on one
/// side, whitespace tokens on the other, bad lines), the vocabularies with their start and end
/// tokens, and training that learns to spell a string backwards (a transduction whose output
/// depends on the whole input) well enough that greedy decoding gets held-out strings right.
@Suite(.tags(.endToEnd))
struct EncoderDecoderTrainingEndToEndTests {
    let directory: DataDirectory

    init() throws { directory = try DataDirectory() }

    private func write(_ text: String, _ name: String) throws -> URL { try directory.write(text, to: name) }

    @Test func pairsAreReadTokenizedAndCounted() throws {
        defer { directory.remove() }
        let url = try write("abc\tC B A\n\n\tX\nab\t\r\nabcd\tD C B A E\nba\tA B\r\n", "pairs.tsv")
        let pairs = try TranslationPairs.read(
            url, source: .characters, target: Tokenizer(unit: .whitespace, lowercases: false), maximumTargetLength: 4)
        #expect(pairs.pairs.map(\.source) == [["a", "b", "c"], ["b", "a"]])
        #expect(pairs.pairs.map(\.target) == [["C", "B", "A"], ["A", "B"]])
        #expect(pairs.pairs.map(\.line) == [1, 6])
        #expect(pairs.skipped.count(for: "empty source") == 1 && pairs.skipped.count(for: "empty target") == 1)
        #expect(pairs.skipped.count(for: "target longer than 4 tokens") == 1)

        let vocabularies = TranslationVocabularies(fitting: pairs)
        #expect(Array(vocabularies.target.tokens.prefix(4)) == ["<pad>", "<unk>", "<s>", "</s>"])
        let example = vocabularies.encode(.init(source: ["a", "z"], target: ["B", "Q"], line: 1))
        #expect(example.source == [vocabularies.source.id(for: "a"), Vocabulary.unknownID])
        #expect(example.targetInput == [2, vocabularies.target.id(for: "B"), Vocabulary.unknownID])
        #expect(example.targetOutput == [vocabularies.target.id(for: "B"), Vocabulary.unknownID, 3])
    }

    @Test func aLineWithoutOneTabIsAnErrorNamingIt() throws {
        defer { directory.remove() }
        let url = try write("abc\tCBA\nno tab here\n", "bad.tsv")
        let error = #expect(throws: FormatError.self) {
            try TranslationPairs.read(url, source: .characters, target: .characters)
        }
        #expect(error?.description.contains("bad.tsv:2") == true, "\(String(describing: error))")
        #expect(error?.description.contains("0 TABs; expected one") == true)
    }

    @Test(arguments: EncoderDecoderConfiguration.Attention.allCases)
    func itLearnsToSpellBackwards(_ attention: EncoderDecoderConfiguration.Attention) throws {
        defer { directory.remove() }
        var generator = SeededGenerator(seed: 11)
        let letters = ["a", "b", "c", "d"]
        func word() -> String {
            (0..<(2 + Int(generator.next() % 3))).map { _ in letters[Int(generator.next() % 4)] }.joined()
        }
        let words = (0..<400).map { _ in word() }
        let lines = words.map { "\($0)\t\(String($0.reversed()).uppercased())" }
        let training = try TranslationPairs.read(
            try write(lines[..<320].joined(separator: "\n"), "train.tsv"), source: .characters, target: .characters)
        let heldOut = try TranslationPairs.read(
            try write(lines[320...].joined(separator: "\n"), "test.tsv"), source: .characters, target: .characters)
        let vocabularies = TranslationVocabularies(fitting: training)
        let configuration = EncoderDecoderConfiguration(
            sourceVocabularySize: vocabularies.source.count, targetVocabularySize: vocabularies.target.count,
            embeddingSize: 8, hiddenSize: 32, bidirectional: true, attention: attention)
        let trainer = EncoderDecoderTrainer(
            model: try EncoderDecoderModel(configuration: configuration, seed: 3),
            examples: training.pairs.map(vocabularies.encode), batchSize: 16, learningRate: 0.01, clipNorm: 1,
            seed: 5)
        let first = try trainer.runEpoch()
        var last = first
        for _ in 1..<30 { last = try trainer.runEpoch() }
        #expect(last < first / 4, "loss \(first) -> \(last)")
        let options = DecodingOptions(
            maxLength: 8, startToken: TranslationVocabularies.startID, endToken: TranslationVocabularies.endID)
        let evaluation = try TransductionEvaluation(
            model: trainer.model, examples: heldOut.pairs.map(vocabularies.encode), options: options)
        #expect(evaluation.sequenceAccuracy > 0.8, "\(evaluation)")
        #expect(evaluation.tokenAccuracy > 0.9 && evaluation.errorRate < 0.1, "\(evaluation)")
    }

    @Test(
        arguments: [
            ([], [], 0), ([1, 2, 3], [], 3), ([], [4], 1), ([1, 2, 3], [1, 2, 3], 0), ([1, 2, 3], [1, 3], 1),
            ([3, 2, 1], [1, 2, 3], 2), ([1, 1, 2, 2], [2, 2, 1, 1], 4),
        ] as [([Int], [Int], Int)])
    func editDistanceCountsTheFewestEdits(_ a: [Int], _ b: [Int], _ distance: Int) {
        #expect(editDistance(a, b) == distance && editDistance(b, a) == distance)
    }
}
