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
