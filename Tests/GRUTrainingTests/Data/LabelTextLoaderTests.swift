import Foundation
import GRUTestSupport
import Testing

@testable import GRUTraining

@Suite("Label-and-text files (.csv, .tsv)", .tags(.unit))
struct LabelTextLoaderTests {
    @Test("reads a CSV with a header, quoted text, blank lines and rows without tokens")
    func csvWithHeader() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write(
            """
            label,text
            pos,"Great movie, great cast"
            neg,"He said ""boring"" twice"

            pos,"A
            great ending"
            neg,"?!"
            """, to: "reviews.csv")
        let dataset = try DataLoader.load(url)
        let name = url.path

        #expect(dataset.task == .classify)
        #expect(dataset.count == 3)
        #expect(dataset.schema.labels?.names == ["neg", "pos"])
        #expect(dataset.schema.tokenizer == .words)
        #expect(dataset.examples.map(\.target) == [.classIndex(1), .classIndex(0), .classIndex(1)])
        #expect(dataset.examples.map(\.source) == ["\(name):2", "\(name):3", "\(name):5"])
        #expect(dataset.skipped.count(for: "blank lines") == 1)
        #expect(dataset.skipped.count(for: "rows without tokens") == 1)
        #expect(dataset.skipped.description == "skipped 1 blank lines, 1 rows without tokens")

        let vocabulary = try #require(dataset.schema.vocabulary)
        // "great" appears three times; the rest once each, in code-point order.
        #expect(vocabulary.tokens.prefix(4) == ["<pad>", "<unk>", "great", "a"])
        #expect(tokenIDs(dataset.examples[0]) == vocabulary.ids(for: ["great", "movie", "great", "cast"]))
        #expect(tokenIDs(dataset.examples[2]) == vocabulary.ids(for: ["a", "great", "ending"]))
    }

    @Test("detects a header by its column names in any order and case; other columns are ignored")
    func headerDetection() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write("id,Text,LABEL\n7,good film,1\n8,bad film,0\n", to: "a.csv")
        let dataset = try DataLoader.load(url)
        #expect(dataset.count == 2)
        #expect(dataset.schema.labels?.names == ["0", "1"])
        #expect(dataset.examples.map(\.target) == [.classIndex(1), .classIndex(0)])

        // Without the names, the first row is data: label first, text second.
        let plain = try directory.write("pos,good film\nneg,bad film\n", to: "b.csv")
        #expect(try DataLoader.load(plain).count == 2)
        // Named columns come from the options.
        let named = try directory.write("sentiment,review\npos,good\n", to: "c.csv")
        let options = DataOptions(labelColumn: "sentiment", textColumn: "review")
        #expect(try DataLoader.load(named, options: options).count == 1)
    }

    @Test("the header flag overrides detection")
    func headerFlag() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write("label,text\npos,fine\n", to: "a.csv")
        let absent = try DataLoader.load(url, options: DataOptions(header: .absent))
        #expect(absent.count == 2)
        #expect(absent.schema.labels?.names == ["label", "pos"])

        let noNames = try directory.write("x,y\npos,fine\n", to: "b.csv")
        expectDataError("\(noNames.path):1", ["header has columns 'x', 'y'", "expected columns 'label' and 'text'"]) {
            _ = try DataLoader.load(noNames, options: DataOptions(header: .present))
        }
    }

    @Test("reads TSV with quotes as ordinary text")
    func tsv() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write("label\ttext\npos\t\"Great\" film, really\n", to: "a.tsv")
        let dataset = try DataLoader.load(url)
        #expect(dataset.count == 1)
        #expect(tokenIDs(dataset.examples[0]).count == 3)  // great, film, really
    }

    @Test("a wrong field count, an empty label and a bad quote are errors naming the line")
    func rowErrors() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let extraComma = try directory.write("pos,good\nneg,bad, really bad\n", to: "a.csv")
        expectDataError(
            "\(extraComma.path):2", ["expected 2 fields (label, text), found 3", "quote fields that contain commas"]
        ) {
            _ = try DataLoader.load(extraComma)
        }
        let short = try directory.write("id,label,text\n1,pos,good\n2,neg\n", to: "b.csv")
        expectDataError("\(short.path):3", ["expected 3 fields as in the header, found 2"]) {
            _ = try DataLoader.load(short)
        }
        let tabs = try directory.write("pos\tgood\tfilm\n", to: "c.tsv")
        expectDataError("\(tabs.path):1", ["found 3", "text must not contain tabs"]) {
            _ = try DataLoader.load(tabs)
        }
        let noLabel = try directory.write("label,text\npos,good\n  ,bad\n", to: "d.csv")
        expectDataError("\(noLabel.path):3", ["empty label", "expected a class label"]) {
            _ = try DataLoader.load(noLabel)
        }
        let quote = try directory.write("pos,He said \"hi\"\n", to: "e.csv")
        expectDataError("\(quote.path):1", ["quote inside an unquoted field"]) {
            _ = try DataLoader.load(quote)
        }
    }

    @Test("a file with no examples is an error that reports what was skipped")
    func noExamples() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write("label,text\n\npos,...\n", to: "a.csv")
        expectDataError(url.path, ["no examples", "1 blank lines", "1 rows without tokens"]) {
            _ = try DataLoader.load(url)
        }
    }

    @Test("validation data uses the training vocabulary and classes; an unknown label names its line")
    func validationWithSchema() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let training = try DataLoader.load(try directory.write("pos,good film\nneg,bad film\n", to: "train.csv"))
        let validation = try DataLoader.load(
            try directory.write("neg,awful film\npos,good\n", to: "valid.csv"), schema: training.schema)
        #expect(validation.schema == training.schema)
        let vocabulary = try #require(training.schema.vocabulary)
        #expect(tokenIDs(validation.examples[0]) == [Vocabulary.unknownID, vocabulary.id(for: "film")])
        #expect(validation.examples.map(\.target) == [.classIndex(0), .classIndex(1)])

        let unknown = try directory.write("pos,good\nneutral,fine\n", to: "test.csv")
        expectDataError(
            "\(unknown.path):2", ["label 'neutral' is not one of the 2 classes of the training data ('neg', 'pos')"]
        ) {
            _ = try DataLoader.load(unknown, schema: training.schema)
        }
    }

    @Test("vocabulary size and frequency limits come from the options")
    func vocabularyLimits() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write("a,x x x y y z\nb,x y w\n", to: "a.csv")
        let limited = try DataLoader.load(url, options: DataOptions(maxVocabulary: 3))
        #expect(limited.schema.vocabulary?.tokens == ["<pad>", "<unk>", "x"])
        let frequent = try DataLoader.load(url, options: DataOptions(minFrequency: 3))
        #expect(frequent.schema.vocabulary?.tokens == ["<pad>", "<unk>", "x", "y"])
        #expect(tokenIDs(frequent.examples[1]) == [2, 3, Vocabulary.unknownID])

        expectDataError(url.path, ["maximum vocabulary size 1 is too small", "expected at least 2"]) {
            _ = try DataLoader.load(url, options: DataOptions(maxVocabulary: 1))
        }
        expectDataError(url.path, ["minimum token frequency 0 is not valid"]) {
            _ = try DataLoader.load(url, options: DataOptions(minFrequency: 0))
        }
    }

    @Test("a split fits the vocabulary and classes on the training rows only")
    func splitFitsOnTrainingRows() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        // Row i holds the shared word "common" and a word "unique<i>" seen nowhere else.
        let rows = (0..<20).map { "\($0 % 2 == 0 ? "even" : "odd"),common unique\($0)" }
        let url = try directory.write(rows.joined(separator: "\n"), to: "a.csv")
        let (training, validation) = try DataLoader.loadSplit(url, validationFraction: 0.25, seed: 7)
        #expect(training.count == 15)
        #expect(validation.count == 5)
        #expect(training.schema == validation.schema)
        let vocabulary = try #require(training.schema.vocabulary)
        let lineOf = { (example: SequenceExample) in Int(example.source.split(separator: ":").last!)! }
        let validationLines = validation.examples.map(lineOf)
        let trainingLines = training.examples.map(lineOf)
        #expect(Set(validationLines).isDisjoint(with: trainingLines))
        #expect((validationLines + trainingLines).sorted() == Array(1...20))
        for line in validationLines {
            #expect(!vocabulary.contains("unique\(line - 1)"))
        }
        for line in trainingLines {
            #expect(vocabulary.contains("unique\(line - 1)"))
        }
        // The same seed gives the same split; the validation words are unknown there.
        #expect(
            try DataLoader.loadSplit(url, validationFraction: 0.25, seed: 7).validation.examples == validation.examples)
        #expect(validation.examples.allSatisfy { tokenIDs($0).last == Vocabulary.unknownID })
    }
}
