import Foundation
import GRUFormats
import GRUTestSupport
import Testing

@testable import GRUTraining

/// A fresh directory for one test's data files; the test removes it with `remove()`.
struct DataDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("GRUTrainingDataTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` as UTF-8 to `name` in the directory and returns its URL.
    @discardableResult
    func write(_ text: String, to name: String) throws -> URL {
        try write(Data(text.utf8), to: name)
    }

    /// Writes `data` to `name` in the directory and returns its URL.
    @discardableResult
    func write(_ data: Data, to name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try data.write(to: file)
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Expects `body` to throw a FormatError whose subject is `subject` (`file` or `file:line`) and
/// whose one-line message contains every fragment; records an issue at the caller otherwise.
func expectDataError(
    _ subject: String,
    _ fragments: [String],
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected a FormatError about \(subject); nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as FormatError {
        #expect(error.subject == subject, "message: \(error)", sourceLocation: sourceLocation)
        #expect(!error.description.contains("\n"), "message is not one line: \(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.description.contains(fragment), "message: \(error)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected a FormatError; got \(error)", sourceLocation: sourceLocation)
    }
}

/// The token ids of an example's input (an issue when it holds features).
func tokenIDs(_ example: SequenceExample, sourceLocation: SourceLocation = #_sourceLocation) -> [Int] {
    guard case .tokens(let ids) = example.input else {
        Issue.record("expected token input, found \(example.input)", sourceLocation: sourceLocation)
        return []
    }
    return ids
}

/// The feature rows of an example's input (an issue when it holds tokens).
func featureValues(_ example: SequenceExample, sourceLocation: SourceLocation = #_sourceLocation) -> [Float] {
    guard case .features(let values, _) = example.input else {
        Issue.record("expected feature input, found \(example.input)", sourceLocation: sourceLocation)
        return []
    }
    return values
}

/// The real-valued target of an example (an issue for class targets).
func targetValues(_ example: SequenceExample, sourceLocation: SourceLocation = #_sourceLocation) -> [Float] {
    guard case .values(let values) = example.target else {
        Issue.record("expected real targets, found \(example.target)", sourceLocation: sourceLocation)
        return []
    }
    return values
}
