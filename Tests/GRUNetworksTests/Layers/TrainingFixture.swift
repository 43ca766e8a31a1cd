import Foundation
import GRUFormats
import GRUTensor
import Testing

/// One file of Tests/Fixtures/training, made by Tools/Reference/make_training_fixtures.py: named
/// cases whose tensors are `<case>.<field>` and whose settings are JSON in the metadata under
/// `<case>`.
struct TrainingFixture {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/training")

    let file: SafetensorsFile

    /// The file `<name>.safetensors`.
    init(_ name: String) throws {
        file = try SafetensorsFile.read(contentsOf: Self.directory.appendingPathComponent(name + ".safetensors"))
    }

    /// The case names of a file, sorted; empty when the file cannot be read (a test that counts
    /// them reports that).
    static func cases(in name: String, prefix: String = "") -> [String] {
        guard let fixture = try? TrainingFixture(name) else { return [] }
        return fixture.file.metadata.keys.filter { $0 != "generator" && $0.hasPrefix(prefix) }.sorted()
    }

    /// A case's settings.
    func settings(_ name: String) throws -> [String: Any] {
        let json = try #require(file.metadata[name], "no case '\(name)'")
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    /// A case's tensor.
    func tensor(_ name: String, _ field: String) throws -> Tensor {
        try file.require("\(name).\(field)")
    }

    /// A case's tensor, or nil when the case has none of that name.
    func optionalTensor(_ name: String, _ field: String) -> Tensor? {
        file["\(name).\(field)"]
    }
}

extension [String: Any] {
    /// A numeric setting as a Float, or `fallback` when absent.
    func float(_ key: String, _ fallback: Float = 0) -> Float {
        (self[key] as? NSNumber).map { $0.floatValue } ?? fallback
    }

    /// An integer setting, or `fallback` when absent.
    func int(_ key: String, _ fallback: Int = 0) -> Int {
        (self[key] as? NSNumber).map { $0.intValue } ?? fallback
    }

    /// A Boolean setting, false when absent.
    func bool(_ key: String) -> Bool {
        (self[key] as? Bool) ?? false
    }
}
