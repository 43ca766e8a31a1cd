import Foundation
import GRUTensor
import GRUTestSupport
import Testing
import ZIPFoundation

@testable import GRUFormats

/// The Keras weights file and archive codecs: writing then reading keeps every dataset bit and
/// group name; Keras's own files read (Tests/Fixtures/keras, made by
/// Tools/Reference/make_keras_fixtures.py); malformed files are one-line `FormatError`s naming
/// the file and the entry or dataset.
@Suite(.tags(.unit))
struct KerasFilesTests {
    static let sample = KerasWeightsFile(
        tensors: [
            "layers/gru/cell/vars/0": Tensor(shape: [3, 12], scalars: awkwardScalars(count: 36)),
            "layers/gru/cell/vars/2": Tensor(shape: [2, 2, 3], scalars: awkwardScalars(count: 12).reversed()),
            "scalar": Tensor(shape: [], scalars: [-0.0]),
            "layers/empty/vars/0": Tensor(shape: [0, 4], scalars: []),
        ],
        groupNames: [
            "vars": "sequential", "layers/gru/vars": "gru", "layers/gru/cell/vars": "gru_cell",
            "layers/dropout/vars": "dropout",
        ])

    static func expectSameFile(
        _ actual: KerasWeightsFile, _ expected: KerasWeightsFile, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(actual.tensors.keys.sorted() == expected.tensors.keys.sorted(), sourceLocation: sourceLocation)
        for (path, tensor) in expected.tensors {
            guard let read = actual.tensors[path] else { continue }
            #expect(read.shape == tensor.shape, "\(path)", sourceLocation: sourceLocation)
            expectBitIdentical(read.scalars, tensor.scalars, sourceLocation: sourceLocation)
        }
        #expect(actual.groupNames == expected.groupNames, sourceLocation: sourceLocation)
    }

    @Test func weightsWrittenThenReadAreBitIdentical() throws {
        let read = try KerasWeightsFile(data: Self.sample.data(), name: "sample.weights.h5")
        Self.expectSameFile(read, Self.sample)
    }

    @Test func archiveWrittenThenReadKeepsEveryPart() throws {
        let archive = KerasArchive(
            config: Data("{\"class_name\": \"Sequential\"}".utf8), metadata: Data("{}".utf8), weights: Self.sample)
        let read = try KerasArchive(data: archive.data(), name: "sample.keras")
        #expect(read.config == archive.config)
        #expect(read.metadata == archive.metadata)
        Self.expectSameFile(read.weights, Self.sample)
    }

    @Test func writeReplacesTheFileAtomically() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let url = directory.appendingPathComponent("model.keras")
        let archive = KerasArchive(config: Data("{}".utf8), metadata: Data("{}".utf8), weights: Self.sample)
        try archive.write(to: url)
        try archive.write(to: url)
        Self.expectSameFile(try KerasArchive.read(contentsOf: url).weights, Self.sample)
        let weightsURL = directory.appendingPathComponent("model.weights.h5")
        try Self.sample.write(to: weightsURL)
        Self.expectSameFile(try KerasWeightsFile.read(contentsOf: weightsURL), Self.sample)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [
                "model.keras", "model.weights.h5",
            ])
    }
}

/// Malformed Keras files: each a one-line `FormatError` naming the file and the entry.
@Suite(.tags(.unit))
struct KerasMalformedFilesTests {
    /// A zip of `entries` made with ZIPFoundation, stored uncompressed.
    static func zip(_ entries: [(String, Data)]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        for (path, bytes) in entries {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count)) { position, size in
                bytes.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        return archive.data!
    }

    static let weights = try! KerasFilesTests.sample.data()
    static let json = Data("{}".utf8)

    @Test func truncatedWeightsFileIsOneLine() {
        expectFormatError(subject: "w.weights.h5", containing: ["is not an HDF5 file"]) {
            _ = try KerasWeightsFile(data: Self.weights.prefix(Self.weights.count / 2), name: "w.weights.h5")
        }
        expectFormatError(subject: "w.weights.h5", containing: ["is empty; expected an HDF5 file"]) {
            _ = try KerasWeightsFile(data: Data(), name: "w.weights.h5")
        }
    }

    @Test func entryLeavingTheFolderIsOneLine() throws {
        let data = try Self.zip([("config.json", Self.json), ("../evil", Self.json), ("metadata.json", Self.json)])
        expectFormatError(subject: "m.keras", containing: ["entry '../evil' leaves the archive's folder"]) {
            _ = try KerasArchive(data: data, name: "m.keras")
        }
        #expect(!KerasArchive.staysInside("/etc/passwd") && !KerasArchive.staysInside("a\\..\\..\\b"))
        #expect(KerasArchive.staysInside("assets/vocabulary.txt"))
    }

    @Test func missingWeightsEntryIsOneLine() throws {
        let data = try Self.zip([("config.json", Self.json), ("metadata.json", Self.json)])
        expectFormatError(subject: "m.keras", containing: ["has no entry 'model.weights.h5'"]) {
            _ = try KerasArchive(data: data, name: "m.keras")
        }
        expectFormatError(subject: "m.keras", containing: ["is not a zip archive"]) {
            _ = try KerasArchive(data: Self.weights, name: "m.keras")
        }
    }

    /// A central directory declaring 2 GiB for a small entry is refused before anything is read.
    @Test func hugeDeclaredSizeIsOneLine() throws {
        var data = try Self.zip([
            ("config.json", Self.json), ("metadata.json", Self.json), ("model.weights.h5", Self.weights),
        ])
        let signature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]  // central directory file header
        var patched = 0
        var index = 0
        while index + 46 <= data.count {
            if Array(data[index..<(index + 4)]) == signature {
                let nameLength = Int(data[index + 28]) | Int(data[index + 29]) << 8
                if String(decoding: data[(index + 46)..<(index + 46 + nameLength)], as: UTF8.self) == "model.weights.h5"
                {
                    data.replaceSubrange((index + 24)..<(index + 28), with: littleEndianBytes([UInt32(0x7FFF_FFFF)]))
                    patched += 1
                }
            }
            index += 1
        }
        #expect(patched == 1)
        expectFormatError(
            subject: "m.keras",
            containing: ["entry 'model.weights.h5' declares 2147483647 bytes uncompressed", "zip bomb"]
        ) {
            _ = try KerasArchive(data: data, name: "m.keras")
        }
    }

    @Test func damagedWeightsInsideAnArchiveNameTheEntry() throws {
        let data = try Self.zip([
            ("config.json", Self.json), ("metadata.json", Self.json), ("model.weights.h5", Self.weights.prefix(100)),
        ])
        expectFormatError(subject: "m.keras: model.weights.h5", containing: ["is not an HDF5 file"]) {
            _ = try KerasArchive(data: data, name: "m.keras")
        }
    }
}
