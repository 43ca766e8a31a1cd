import Foundation
import GRUTestSupport
import Testing

@testable import GRUTraining

@Suite("CoNLL token/tag files", .tags(.unit))
struct CoNLLLoaderTests {
    let conll2003 = """
        -DOCSTART- -X- -X- O

        EU NNP B-NP B-ORG
        rejects VBZ B-VP O
        German JJ B-NP B-MISC

        Peter NNP B-NP B-PER
        Blackburn NNP B-NP I-PER


        -DOCSTART- -X- -X- O

        BRUSSELS NNP B-NP B-LOC

        """

    @Test("reads sentences with the last column as the tag, skipping and counting -DOCSTART- lines")
    func sentences() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write(conll2003, to: "train.conll")
        let dataset = try DataLoader.load(url)
        #expect(dataset.task == .tag)
        #expect(dataset.count == 3)
        #expect(dataset.skipped.count(for: "-DOCSTART- lines") == 2)
        #expect(dataset.examples.map(\.source) == ["\(url.path):3", "\(url.path):7", "\(url.path):13"])
        #expect(dataset.schema.labels?.names == ["B-LOC", "B-MISC", "B-ORG", "B-PER", "I-PER", "O"])
        #expect(dataset.examples.map(\.target) == [.stepClasses([2, 5, 1]), .stepClasses([3, 4]), .stepClasses([0])])
        let vocabulary = try #require(dataset.schema.vocabulary)
        #expect(tokenIDs(dataset.examples[0]) == vocabulary.ids(for: ["EU", "rejects", "German"]))
        #expect(dataset.schema.outputSize == 6)
        #expect(dataset.schema.inputSize == 8)
    }

    @Test("tab-separated two-column files; tokens lowercased when the tokenizer lowercases")
    func twoColumns() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write("The\tDET\nCat\tNOUN\n\nthe\tDET\n", to: "pos.conll")
        let asIs = try DataLoader.load(url)
        #expect(asIs.schema.vocabulary?.count == 5)
        let lowered = try DataLoader.load(url, options: DataOptions(tokenizer: .words))
        #expect(lowered.schema.vocabulary?.tokens == ["<pad>", "<unk>", "the", "cat"])
        #expect(lowered.examples.map(\.target) == [.stepClasses([0, 1]), .stepClasses([0])])
    }

    @Test("a line with one column, or another column count, is an error naming the line")
    func columnErrors() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let single = try directory.write("EU B-ORG\nrejects\n", to: "a.conll")
        expectDataError("\(single.path):2", ["found 1 column ('rejects')", "expected a token and its tag"]) {
            _ = try DataLoader.load(single)
        }
        let ragged = try directory.write("EU NNP B-ORG\n\nrejects O\n", to: "b.conll")
        expectDataError("\(ragged.path):3", ["found 2 columns; expected 3 as on the first token line"]) {
            _ = try DataLoader.load(ragged)
        }
    }

    @Test("an unknown tag in validation data names its line")
    func unknownTag() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let training = try DataLoader.load(try directory.write("a X\nb Y\n", to: "train.conll"))
        let validation = try directory.write("a X\n\nb Y\nc Z\n", to: "valid.conll")
        expectDataError("\(validation.path):4", ["tag 'Z' is not one of the 2 classes of the training data ('X', 'Y')"])
        {
            _ = try DataLoader.load(validation, schema: training.schema)
        }
    }

    @Test("other tasks cannot read .conll files")
    func wrongTask() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write("a X\n", to: "a.conll")
        expectDataError(url.path, ["cannot read .conll data for the forecast task", "expected tag"]) {
            _ = try DataLoader.load(url, options: DataOptions(task: .forecast))
        }
    }
}
