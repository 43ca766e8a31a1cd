import Foundation
import GRUFormats
import Testing

/// The URL of a fixture in Tests/Fixtures/formats, found from this source file's location.
func fixtureURL(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // GRUFormatsTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/formats/\(name)")
}

/// A fresh empty directory for one test; the caller removes it with `removeTemporaryDirectory`.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("GRUFormatsTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Deletes a directory made by `makeTemporaryDirectory`.
func removeTemporaryDirectory(_ url: URL) {
    try? FileManager.default.removeItem(at: url)
}

/// Expects `body` to throw a FormatError about `subject` whose one-line message contains every
/// fragment, and records an issue at the caller otherwise.
func expectFormatError(
    subject: String,
    containing fragments: [String],
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record(
            "expected a FormatError containing \(fragments); nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as FormatError {
        #expect(error.subject == subject, "message: \(error)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix(subject + ": "), sourceLocation: sourceLocation)
        #expect(!error.description.contains("\n"), "message is not one line: \(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.description.contains(fragment), "message: \(error)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected a FormatError; got \(error)", sourceLocation: sourceLocation)
    }
}

/// Expects two float arrays to be identical bit for bit (so NaN payloads and -0 count), with
/// the first difference reported at the caller.
func expectBitIdentical(_ actual: [Float], _ expected: [Float], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "counts differ", sourceLocation: sourceLocation)
    guard actual.count == expected.count else { return }
    if let index = actual.indices.first(where: { actual[$0].bitPattern != expected[$0].bitPattern }) {
        Issue.record("element \(index): \(actual[index]) != \(expected[index])", sourceLocation: sourceLocation)
    }
}

/// Bytes as little-endian values, for building files by hand.
func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
}

/// Tensor values that exercise bit-exact storage: signed zeros, infinities, a NaN with a
/// payload, a subnormal and the extremes.
let awkwardFloats: [Float] = [
    0, -0.0, 1, -1.5, .pi, .infinity, -.infinity, Float(bitPattern: 0x7FC0_1234),
    .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.leastNormalMagnitude, 1e-20,
]

/// `count` awkward values, cycling through `awkwardFloats`.
func awkwardScalars(count: Int) -> [Float] {
    (0..<count).map { awkwardFloats[$0 % awkwardFloats.count] }
}
