import Foundation
import GRUTestSupport
import Testing

@testable import GRUTraining

@Suite("Plain text (.txt language models)", .tags(.unit))
struct PlainTextLoaderTests {
    @Test("cuts the character stream into sequences whose targets are the next characters")
    func characterSequences() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write("hello\nworld\n", to: "corpus.txt")
        let dataset = try DataLoader.load(url, options: DataOptions(sequenceLength: 4))
        #expect(dataset.task == .languageModel)
        let vocabulary = try #require(dataset.schema.vocabulary)
        // l three times; "\n" and o twice ("\n" first by code point); the rest once.
        #expect(vocabulary.tokens == ["<pad>", "<unk>", "l", "\n", "o", "d", "e", "h", "r", "w"])
        #expect(dataset.schema.outputSize == 10)
        #expect(dataset.schema.tokenizer == .characters)

        // 12 characters give ceil(11 / 4) = 3 sequences; the last is shorter.
        #expect(dataset.count == 3)
        let text = { (characters: String) in vocabulary.ids(for: characters.map { String($0) }) }
        #expect(dataset.examples[0].input == .tokens(text("hell")))
        #expect(dataset.examples[0].target == .stepClasses(text("ello")))
        #expect(dataset.examples[1].input == .tokens(text("o\nwo")))
        #expect(dataset.examples[1].target == .stepClasses(text("\nwor")))
        #expect(dataset.examples[2].input == .tokens(text("rld")))
        #expect(dataset.examples[2].target == .stepClasses(text("ld\n")))
        #expect(dataset.examples.map(\.source) == ["\(url.path):1", "\(url.path):1", "\(url.path):2"])
        #expect(dataset.skipped.total == 0)
    }

    @Test("CR LF reads as one line break; no final line break adds none")
    func lineBreaks() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write("ab\r\ncd", to: "crlf.txt")
        let dataset = try DataLoader.load(url, options: DataOptions(sequenceLength: 10))
        let vocabulary = try #require(dataset.schema.vocabulary)
        #expect(dataset.examples[0].input == .tokens(vocabulary.ids(for: ["a", "b", "\n", "c"])))
        #expect(dataset.examples[0].target == .stepClasses(vocabulary.ids(for: ["b", "\n", "c", "d"])))
    }

    @Test("a words tokenizer gives a word-level model")
    func words() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write("The cat\nthe dog.\n", to: "words.txt")
        let dataset = try DataLoader.load(url, options: DataOptions(tokenizer: .words, sequenceLength: 2))
        let vocabulary = try #require(dataset.schema.vocabulary)
        #expect(dataset.count == 2)
        #expect(dataset.examples[1].input == .tokens(vocabulary.ids(for: ["the"])))
        #expect(dataset.examples[1].target == .stepClasses(vocabulary.ids(for: ["dog"])))
        #expect(dataset.examples[1].source == "\(url.path):2")
    }

    @Test("a split keeps the last sequences for validation and fits the vocabulary before them")
    func split() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write(String(repeating: "ab", count: 8) + "xyz", to: "split.txt")
        let (training, validation) = try DataLoader.loadSplit(
            url, validationFraction: 0.25, seed: 3, options: DataOptions(sequenceLength: 3))
        // 19 characters give ceil(18 / 3) = 6 sequences; round(0.25 * 6) = 2 are validation.
        #expect(training.count + validation.count == 6)
        #expect(validation.count == 2)
        let vocabulary = try #require(training.schema.vocabulary)
        #expect(vocabulary.tokens == ["<pad>", "<unk>", "a", "b"])
        #expect(
            validation.examples.last?.target
                == .stepClasses([Vocabulary.unknownID, Vocabulary.unknownID, Vocabulary.unknownID]))
    }

    @Test("too little text and a sequence length below 1 are errors")
    func errors() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let one = try directory.write("a", to: "one.txt")
        expectDataError(one.path, ["has 1 tokens; expected at least 2"]) { _ = try DataLoader.load(one) }
        let url = try directory.write("abc", to: "abc.txt")
        expectDataError(url.path, ["sequence length 0 is not valid"]) {
            _ = try DataLoader.load(url, options: DataOptions(sequenceLength: 0))
        }
        let invalid = try directory.write(Data([0x61, 0x0A, 0x62, 0xFF, 0x0A]), to: "latin1.txt")
        expectDataError("\(invalid.path):2", ["not valid UTF-8 text"]) { _ = try DataLoader.load(invalid) }
        expectDataError(directory.url.appendingPathComponent("missing.txt").path, ["no such file"]) {
            _ = try DataLoader.load(directory.url.appendingPathComponent("missing.txt"))
        }
    }
}
