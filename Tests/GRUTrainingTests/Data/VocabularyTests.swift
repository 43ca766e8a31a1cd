import Foundation
import GRUTestSupport
import Testing

@testable import GRUTraining

@Suite("Vocabulary", .tags(.unit))
struct VocabularyTests {
    let sequences = [["b", "a", "c", "a"], ["b", "a", "d"]]

    @Test("orders tokens by frequency, then by code point, after <pad> and <unk>")
    func order() {
        let vocabulary = Vocabulary(fitting: sequences)
        #expect(vocabulary.tokens == ["<pad>", "<unk>", "a", "b", "c", "d"])
        #expect(vocabulary.ids(for: ["a", "d", "zebra"]) == [2, 5, Vocabulary.unknownID])
        #expect(vocabulary.token(for: 3) == "b")
        // "B" (U+0042) < "a" (U+0061) < "z" < "é" (U+00E9), as Python's sorted orders them.
        #expect(Vocabulary(fitting: [["é", "z", "a", "B"]]).tokens.dropFirst(2) == ["B", "a", "z", "é"])
    }

    @Test("maximumSize counts <pad> and <unk>; the rest become <unk>")
    func maximumSize() {
        let vocabulary = Vocabulary(fitting: sequences, maximumSize: 4)
        #expect(vocabulary.tokens == ["<pad>", "<unk>", "a", "b"])
        #expect(vocabulary.count == 4)
        #expect(vocabulary.id(for: "c") == Vocabulary.unknownID)
        #expect(Vocabulary(fitting: sequences, maximumSize: 2).tokens == ["<pad>", "<unk>"])
    }

    @Test("minimumFrequency leaves out rare tokens")
    func minimumFrequency() {
        #expect(Vocabulary(fitting: sequences, minimumFrequency: 2).tokens == ["<pad>", "<unk>", "a", "b"])
        #expect(Vocabulary(fitting: sequences, minimumFrequency: 3).tokens == ["<pad>", "<unk>", "a"])
        #expect(Vocabulary(fitting: sequences, maximumSize: 3, minimumFrequency: 2).tokens == ["<pad>", "<unk>", "a"])
    }

    @Test("the special tokens in data are not counted twice")
    func specialTokensInData() {
        let vocabulary = Vocabulary(fitting: [["<unk>", "x", "<pad>", "<unk>"]])
        #expect(vocabulary.tokens == ["<pad>", "<unk>", "x"])
        #expect(vocabulary.id(for: "<unk>") == Vocabulary.unknownID)
    }

    @Test("round-trips through JSON as a token list and rejects a malformed one")
    func codable() throws {
        let vocabulary = Vocabulary(fitting: sequences)
        let data = try JSONEncoder().encode(vocabulary)
        #expect(String(decoding: data, as: UTF8.self) == #"{"tokens":["<pad>","<unk>","a","b","c","d"]}"#)
        #expect(try JSONDecoder().decode(Vocabulary.self, from: data) == vocabulary)
        for bad in [#"{"tokens":["a","<unk>"]}"#, #"{"tokens":["<pad>","<unk>","a","a"]}"#, #"{"tokens":["<pad>"]}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(Vocabulary.self, from: Data(bad.utf8)) }
        }
        #expect(Vocabulary(tokens: ["<pad>", "<unk>", "x"])?.id(for: "x") == 2)
        #expect(Vocabulary(tokens: ["<unk>", "<pad>"]) == nil)
    }
}

@Suite("LabelSet", .tags(.unit))
struct LabelSetTests {
    @Test("sorts integer labels numerically and other labels by code point")
    func sorting() {
        #expect(LabelSet(fitting: ["10", "2", "1", "2"]).names == ["1", "2", "10"])
        #expect(LabelSet(fitting: ["pos", "neg", "Neutral", "pos"]).names == ["Neutral", "neg", "pos"])
        #expect(LabelSet(fitting: ["pos", "neg"]).index(of: "pos") == 1)
        #expect(LabelSet(fitting: ["pos"]).index(of: "neg") == nil)
    }

    @Test("keeps declared order, rejects repeats, and round-trips through JSON")
    func declared() throws {
        let labels = try #require(LabelSet(names: ["up", "down"]))
        #expect(labels.index(of: "down") == 1)
        #expect(LabelSet(names: ["a", "a"]) == nil)
        #expect(try JSONDecoder().decode(LabelSet.self, from: JSONEncoder().encode(labels)) == labels)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(LabelSet.self, from: Data(#"{"names":["a","a"]}"#.utf8))
        }
    }
}

@Suite("Tokenizer", .tags(.unit))
struct TokenizerTests {
    @Test("words: lowercased, split at everything but letters and digits")
    func words() {
        #expect(
            Tokenizer.words.tokens(in: "Don't stop-believing!  2024 Café\n") == [
                "don", "t", "stop", "believing", "2024", "café",
            ])
        #expect(Tokenizer(unit: .words, lowercases: false).tokens(in: "Big cat") == ["Big", "cat"])
        #expect(Tokenizer.words.tokens(in: " ,.;  ").isEmpty)
    }

    @Test("characters: one token per Unicode scalar, as Python's list(text)")
    func characters() {
        #expect(Tokenizer.characters.tokens(in: "a é\n") == ["a", " ", "é", "\n"])
        #expect(Tokenizer.characters.tokens(in: "e\u{301}") == ["e", "\u{301}"])
        #expect(Tokenizer(unit: .characters, lowercases: true).tokens(in: "AbC") == ["a", "b", "c"])
    }
}
