import Foundation
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUFormats

/// A safetensors file built by hand: the header length, the header text, then the buffer.
private func safetensorsFile(_ header: String, buffer: [UInt8] = []) -> Data {
    let headerBytes = Array(header.utf8)
    return Data(littleEndianBytes([UInt64(headerBytes.count)]) + headerBytes + buffer)
}

/// A one-tensor header entry.
private func entry(_ name: String, _ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
    #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":[\#(begin),\#(end)]}"#
}

@Suite("Safetensors", .tags(.unit))
struct SafetensorsTests {
    // MARK: - Round trips

    @Test("encode then decode is bit-identical, keeping names, order, shapes and metadata")
    func roundTrip() throws {
        let shapes: [[Int]] = [[2, 3, 4], [], [0], [1], [3, 0, 2]]
        let pairs = shapes.enumerated().map { index, shape in
            (name: "t\(5 - index)", tensor: Tensor(shape: shape, scalars: awkwardScalars(count: shape.reduce(1, *))))
        }
        let metadata = ["format": "pt", "note": "quote \" backslash \\ newline \n tab \t é ☃"]
        let file = SafetensorsFile(pairs, metadata: metadata)
        let data = file.encoded()
        let headerLength = data.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian }
        #expect(headerLength % 8 == 0)

        let decoded = try SafetensorsFile(decoding: data, name: "m.safetensors")
        #expect(decoded.fileName == "m.safetensors")
        #expect(decoded.names == pairs.map(\.name))
        #expect(decoded.metadata == metadata)
        for (name, tensor) in pairs {
            let read = try decoded.require(name)
            #expect(read.shape == tensor.shape)
            expectBitIdentical(read.scalars, tensor.scalars)
            #expect(decoded.sourceElementTypes[name] == "F32")
        }
        #expect(decoded.encoded() == data)
    }

    @Test("names with JSON special characters round-trip")
    func awkwardNames() throws {
        let names = ["a\"b", "back\\slash", "line\nbreak", "\u{1}control", "ünïcødé ☃", ""]
        let file = SafetensorsFile(names.map { (name: $0, tensor: Tensor(shape: [1], repeating: 2)) })
        let decoded = try SafetensorsFile(decoding: file.encoded(), name: "n.safetensors")
        #expect(decoded.names == names)
    }

    @Test("write then read through a file is bit-identical")
    func fileRoundTrip() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        let weight = Tensor(shape: [3, 2], scalars: awkwardScalars(count: 6))
        try SafetensorsFile([("weight_ih_l0", weight)], metadata: ["epoch": "3"]).write(to: url)
        let file = try SafetensorsFile.read(contentsOf: url)
        #expect(file.fileName == url.path)
        #expect(file.metadata == ["epoch": "3"])
        expectBitIdentical(try file.require("weight_ih_l0").scalars, weight.scalars)
    }

    // MARK: - Editing

    @Test("set replaces in place or appends; subscript and require look tensors up")
    func editing() throws {
        var file = SafetensorsFile(fileName: "w.safetensors")
        file.set(Tensor(shape: [1], repeating: 1), named: "a")
        file.set(Tensor(shape: [1], repeating: 2), named: "b")
        file.set(Tensor(shape: [2], repeating: 3), named: "a")
        #expect(file.names == ["a", "b"])
        #expect(file["a"]?.scalars == [3, 3])
        #expect(file["c"] == nil)
        #expect(try file.require("b").scalars == [2])
        expectFormatError(subject: "w.safetensors", containing: ["missing tensor 'weight_ih_l0'; found a, b"]) {
            _ = try file.require("weight_ih_l0")
        }
        expectFormatError(subject: "empty", containing: ["missing tensor 'x'; found no tensors"]) {
            _ = try SafetensorsFile(fileName: "empty").require("x")
        }
    }

    @Test("set clears the source dtype of a tensor that was read")
    func setClearsSourceType() throws {
        let data = safetensorsFile("{" + entry("h", "F16", [1], 0, 2) + "}", buffer: [0x00, 0x3C])
        var file = try SafetensorsFile(decoding: data, name: "h.safetensors")
        #expect(file.sourceElementTypes == ["h": "F16"])
        file.set(Tensor(shape: [1]), named: "h")
        #expect(file.sourceElementTypes.isEmpty)
    }

    @Test("a null __metadata__, as mlx's save_safetensors writes, is no metadata; a list is refused")
    func nullMetadataIsNone() throws {
        let tensor = entry("h", "F32", [1], 0, 4)
        let data = safetensorsFile("{\"__metadata__\":null," + tensor + "}", buffer: [0, 0, 0x80, 0x3F])
        let file = try SafetensorsFile(decoding: data, name: "m.safetensors")
        #expect(file.metadata.isEmpty)
        #expect(try file.require("h").scalars == [1])
        let listed = safetensorsFile("{\"__metadata__\":[1]," + tensor + "}", buffer: [0, 0, 0x80, 0x3F])
        #expect(throws: FormatError.self) { try SafetensorsFile(decoding: listed, name: "m.safetensors") }
    }

    // MARK: - Decoding other dtypes

    @Test("F16 decodes: 0x3C00 is 1, 0xC000 is -2, and the edge cases")
    func float16() throws {
        let bits: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x0400, 0x8000, 0x7C00, 0xFC00, 0x3555]
        let data = safetensorsFile("{" + entry("h", "F16", [2, 5], 0, 20) + "}", buffer: littleEndianBytes(bits))
        let file = try SafetensorsFile(decoding: data, name: "h.safetensors")
        let tensor = try file.require("h")
        #expect(tensor.shape == [2, 5])
        expectBitIdentical(
            tensor.scalars, [1, -2, 0.5, 65504, 0x1p-24, 0x1p-14, -0.0, .infinity, -.infinity, 0.333251953125])
        #expect(file.sourceElementTypes["h"] == "F16")
    }

    @Test("F16 NaN stays NaN")
    func float16NaN() throws {
        let data = safetensorsFile(
            "{" + entry("h", "F16", [2], 0, 4) + "}", buffer: littleEndianBytes([UInt16(0x7E00), 0xFD01]))
        let scalars = try SafetensorsFile(decoding: data, name: "h.safetensors").require("h").scalars
        #expect(scalars.allSatisfy { $0.isNaN })
    }

    @Test("BF16 decodes: 0x3F80 is 1, 0xC000 is -2")
    func bfloat16() throws {
        let bits: [UInt16] = [0x3F80, 0xC000, 0x4049, 0x0000, 0xFF80]
        let data = safetensorsFile("{" + entry("b", "BF16", [5], 0, 10) + "}", buffer: littleEndianBytes(bits))
        let file = try SafetensorsFile(decoding: data, name: "b.safetensors")
        expectBitIdentical(try file.require("b").scalars, [1, -2, 3.140625, 0, -.infinity])
        #expect(file.sourceElementTypes["b"] == "BF16")
    }

    @Test("F64, I32 and I64 decode and convert to Float")
    func widerTypes() throws {
        let f64 = littleEndianBytes([1.5, -0.1, 1e300].map(\.bitPattern))
        let i32 = littleEndianBytes([Int32(-7), 16_777_217])
        let i64 = littleEndianBytes([Int64(1) << 40, -3])
        let header =
            "{"
            + [entry("d", "F64", [3], 0, 24), entry("i", "I32", [2], 24, 32), entry("l", "I64", [2, 1], 32, 48)]
            .joined(separator: ",") + "}"
        let file = try SafetensorsFile(
            decoding: safetensorsFile(header, buffer: f64 + i32 + i64), name: "w.safetensors")
        expectBitIdentical(try file.require("d").scalars, [1.5, Float(-0.1), .infinity])
        expectBitIdentical(try file.require("i").scalars, [-7, 16_777_216])
        #expect(try file.require("l").shape == [2, 1])
        expectBitIdentical(try file.require("l").scalars, [1_099_511_627_776, -3])
        #expect(file.sourceElementTypes == ["d": "F64", "i": "I32", "l": "I64"])
    }

    @Test("I8 decodes; tensors set as BF16 or I8 are written as those dtypes and read back exactly")
    func narrowStorage() throws {
        let bytes: [UInt8] = [0x7F, 0x81, 0x00, 0xFF]
        let decoded = try SafetensorsFile(
            decoding: safetensorsFile("{" + entry("q", "I8", [2, 2], 0, 4) + "}", buffer: bytes), name: "q.safetensors")
        expectBitIdentical(try decoded.require("q").scalars, [127, -127, 0, -1])
        #expect(decoded.sourceElementTypes["q"] == "I8")

        var file = SafetensorsFile()
        file.set(Tensor(shape: [3], scalars: [1, -2, 3.140625]), named: "b", storedAs: .bf16)
        file.set(Tensor(shape: [2], scalars: [-128, 127]), named: "i", storedAs: .i8)
        file.set(Tensor(shape: [1], scalars: [0.1]), named: "f")
        let data = file.encoded()
        // 3 x 2 + 2 x 1 + 4 bytes of data after the header.
        let headerLength = Int(data.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        #expect(data.count == 8 + headerLength + 12)
        let read = try SafetensorsFile(decoding: data, name: "narrow.safetensors")
        #expect(read.sourceElementTypes == ["b": "BF16", "i": "I8", "f": "F32"])
        expectBitIdentical(try read.require("b").scalars, [1, -2, 3.140625])
        expectBitIdentical(try read.require("i").scalars, [-128, 127])
        expectBitIdentical(try read.require("f").scalars, [0.1])
    }

    @Test("names follow the buffer order, not the header order; the header may be padded")
    func bufferOrder() throws {
        let header =
            "{"
            + [entry("z", "F32", [1], 0, 4), entry("a", "F32", [1], 4, 8), entry("m", "F32", [0], 4, 4)]
            .joined(separator: ",") + "}    "
        let buffer = littleEndianBytes([Float(1).bitPattern, Float(2).bitPattern])
        let file = try SafetensorsFile(decoding: safetensorsFile(header, buffer: buffer), name: "o.safetensors")
        #expect(file.names == ["z", "m", "a"])
        #expect(file["a"]?.scalars == [2])
        #expect(file.metadata.isEmpty)
    }

    // MARK: - Rejections

    struct Rejection: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let data: Data
        let fragments: [String]
    }

    static let rejections: [Rejection] = {
        let four = littleEndianBytes([Float(1).bitPattern])
        func one(_ entryText: String, buffer: [UInt8] = four) -> Data {
            safetensorsFile("{" + entryText + "}", buffer: buffer)
        }
        var huge = littleEndianBytes([UInt64(200_000_000)])
        huge += Array("{}".utf8)
        return [
            Rejection(
                testDescription: "shorter than 8 bytes", data: Data([1, 2, 3, 4, 5]),
                fragments: ["file is 5 bytes; expected at least 8"]),
            Rejection(
                testDescription: "header length beyond the file",
                data: Data(littleEndianBytes([UInt64(100)]) + Array("{}".utf8)),
                fragments: ["header length 100 runs past the end of the file; found 2 bytes after the length"]),
            Rejection(
                testDescription: "absurd header length", data: Data(huge),
                fragments: ["header length 200000000 exceeds the 100000000-byte limit"]),
            Rejection(
                testDescription: "absurd header length near UInt64.max",
                data: Data(littleEndianBytes([UInt64.max]) + [0]),
                fragments: ["header length 18446744073709551615 exceeds"]),
            Rejection(
                testDescription: "invalid JSON", data: safetensorsFile(#"{"a": {"dtype": "F32",}"#),
                fragments: ["header is not valid JSON"]),
            Rejection(
                testDescription: "header not an object", data: safetensorsFile("[1, 2]"),
                fragments: ["header is [1, 2]; expected a JSON object"]),
            Rejection(
                testDescription: "entry not an object", data: one(#""w": [0, 4]"#),
                fragments: ["entry 'w' is [0, 4]; expected an object with dtype, shape and data_offsets"]),
            Rejection(
                testDescription: "unknown dtype", data: one(entry("weight_ih_l0", "U8", [4], 0, 4)),
                fragments: ["tensor 'weight_ih_l0' has dtype U8; expected one of F32, F64, F16, BF16, I8, I32, I64"]),
            Rejection(
                testDescription: "dtype not a string", data: one(#""w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}"#),
                fragments: ["tensor 'w' has dtype 4; expected one of"]),
            Rejection(
                testDescription: "missing dtype", data: one(#""w":{"shape":[1],"data_offsets":[0,4]}"#),
                fragments: ["tensor 'w' has no dtype"]),
            Rejection(
                testDescription: "negative shape", data: one(entry("w", "F32", [-1], 0, 4)),
                fragments: ["tensor 'w' has shape [-1]; expected a list of non-negative integers"]),
            Rejection(
                testDescription: "fractional shape",
                data: one(#""w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}"#),
                fragments: ["tensor 'w' has shape [1.5]"]),
            Rejection(
                testDescription: "whole number written as a float",
                data: one(#""w":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}"#),
                fragments: ["tensor 'w' has shape [1.0]; expected a list of non-negative integers"]),
            Rejection(
                testDescription: "boolean shape",
                data: one(#""w":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}"#),
                fragments: ["tensor 'w' has shape [true]"]),
            Rejection(
                testDescription: "shape not a list", data: one(#""w":{"dtype":"F32","shape":1,"data_offsets":[0,4]}"#),
                fragments: ["tensor 'w' has shape 1; expected a list"]),
            Rejection(
                testDescription: "missing shape", data: one(#""w":{"dtype":"F32","data_offsets":[0,4]}"#),
                fragments: ["tensor 'w' has no shape"]),
            Rejection(
                testDescription: "missing data_offsets", data: one(#""w":{"dtype":"F32","shape":[1]}"#),
                fragments: ["tensor 'w' has no data_offsets; expected [begin, end]"]),
            Rejection(
                testDescription: "three offsets",
                data: one(#""w":{"dtype":"F32","shape":[1],"data_offsets":[0, 4, 8]}"#),
                fragments: ["tensor 'w' has data_offsets [0, 4, 8]; expected [begin, end] with 0 <= begin <= end"]),
            Rejection(
                testDescription: "begin after end", data: one(entry("w", "F32", [1], 4, 0)),
                fragments: ["tensor 'w' has data_offsets [4, 0]; expected [begin, end] with 0 <= begin <= end"]),
            Rejection(
                testDescription: "negative offset", data: one(entry("w", "F32", [1], -4, 0)),
                fragments: ["tensor 'w' has data_offsets [-4, 0]"]),
            Rejection(
                testDescription: "byte length disagrees", data: one(entry("w", "F32", [2, 3], 0, 20)),
                fragments: ["tensor 'w' has shape [2, 3] and dtype F32, so 24 bytes; data_offsets [0, 20] span 20"]),
            Rejection(
                testDescription: "offsets beyond the buffer", data: one(entry("w", "F32", [2], 0, 8)),
                fragments: ["tensor 'w' has data_offsets [0, 8] beyond the 4-byte data buffer"]),
            Rejection(
                testDescription: "shape overflows", data: one(entry("w", "F32", [4_611_686_018_427_387_904, 4], 0, 4)),
                fragments: ["tensor 'w' has shape [4611686018427387904, 4] whose byte size overflows"]),
            Rejection(
                testDescription: "overlapping ranges",
                data: safetensorsFile(
                    "{" + entry("a", "F32", [2], 0, 8) + "," + entry("b", "F32", [2], 4, 12) + "}",
                    buffer: Array(repeating: 0, count: 12)),
                fragments: ["tensors 'a' [0, 8] and 'b' [4, 12] overlap"]),
            Rejection(
                testDescription: "non-string metadata",
                data: one(#""__metadata__":{"epoch":3},"# + entry("w", "F32", [1], 0, 4)),
                fragments: ["metadata 'epoch' is 3; expected a string"]),
            Rejection(
                testDescription: "metadata not an object",
                data: one(#""__metadata__":"x","# + entry("w", "F32", [1], 0, 4)),
                fragments: ["'__metadata__' is \"x\"; expected an object of strings"]),
            Rejection(
                testDescription: "duplicate names",
                data: one(entry("w", "F32", [1], 0, 4) + "," + entry("w", "F32", [1], 0, 4)),
                fragments: ["header names 'w' twice; expected unique tensor names"]),
            Rejection(
                testDescription: "duplicate names written with escapes",
                data: one(entry("w", "F32", [1], 0, 4) + "," + entry(#"\u0077"#, "F32", [1], 0, 4)),
                fragments: ["header names 'w' twice"]),
            Rejection(
                testDescription: "duplicate metadata key",
                data: one(
                    #""__metadata__":{"variant":"reset-after","variant":"reset-before"},"#
                        + entry("w", "F32", [1], 0, 4)),
                fragments: ["header's '__metadata__' names 'variant' twice; expected unique keys"]),
            Rejection(
                testDescription: "duplicate key in an entry",
                data: one(#""w":{"dtype":"F32","shape":[1],"shape":[1],"data_offsets":[0,4]}"#),
                fragments: ["header's 'w' names 'shape' twice"]),
            Rejection(
                testDescription: "a gap between tensors",
                data: safetensorsFile(
                    "{" + entry("a", "F32", [1], 0, 4) + "," + entry("b", "F32", [1], 8, 12) + "}",
                    buffer: Array(repeating: 0, count: 12)),
                fragments: ["tensor 'b' starts at byte 8 of the data buffer; expected 4, where 'a' ends"]),
            Rejection(
                testDescription: "a gap before the first tensor",
                data: safetensorsFile("{" + entry("a", "F32", [1], 4, 8) + "}", buffer: Array(repeating: 0, count: 8)),
                fragments: ["tensor 'a' starts at byte 4 of the data buffer; expected 0, where the buffer starts"]),
            Rejection(
                testDescription: "trailing bytes",
                data: one(entry("w", "F32", [1], 0, 4), buffer: four + [0, 0, 0, 0]),
                fragments: ["the tensors fill 4 bytes of the 8-byte data buffer", "trailing bytes"]),
        ]
    }()

    @Test("malformed files are rejected with a message naming the file", arguments: rejections)
    func rejects(_ rejection: Rejection) {
        expectFormatError(subject: "bad.safetensors", containing: rejection.fragments) {
            _ = try SafetensorsFile(decoding: rejection.data, name: "bad.safetensors")
        }
    }

    @Test("nested keys that repeat a tensor name are not duplicates")
    func nestedKeysAreNotDuplicates() throws {
        let header = #"{"__metadata__":{"w":"the weight","dtype":"x"},"# + entry("w", "F32", [1], 0, 4) + "}"
        let file = try SafetensorsFile(
            decoding: safetensorsFile(header, buffer: littleEndianBytes([Float(1).bitPattern])), name: "n")
        #expect(file.names == ["w"])
        #expect(file.metadata == ["w": "the weight", "dtype": "x"])
    }

    @Test("a missing file is an error naming its path")
    func missingFile() {
        let url = URL(fileURLWithPath: "/nonexistent-GRUFormats/model.safetensors")
        expectFormatError(subject: url.path, containing: ["no such file"]) {
            _ = try SafetensorsFile.read(contentsOf: url)
        }
    }
}

/// Files written by the safetensors package (Tools/Reference/make_format_fixtures.py).
@Suite("Safetensors against the safetensors package", .tags(.reference))
struct SafetensorsReferenceTests {
    @Test("safetensors F32 + F16 + I64 file with metadata")
    func referenceMixed() throws {
        let file = try SafetensorsFile.read(contentsOf: fixtureURL("mixed.safetensors"))
        #expect(Set(file.names) == ["weight", "half", "steps"])
        #expect(file.metadata == ["format": "np", "source": "make_format_fixtures.py"])
        #expect(file.sourceElementTypes == ["weight": "F32", "half": "F16", "steps": "I64"])
        let weight = try file.require("weight")
        #expect(weight.shape == [2, 2])
        expectBitIdentical(weight.scalars, [1.0, -2.0, 0.5, 3.25])
        expectBitIdentical(try file.require("half").scalars, [1.0, -2.0, 0.5, 65504.0])
        #expect(try file.require("steps").shape == [2])
        expectBitIdentical(try file.require("steps").scalars, [7, -3])
    }

    @Test("encoded() reproduces safetensors.numpy.save_file byte for byte")
    func referenceFloat32IsByteIdentical() throws {
        let reference = try Data(contentsOf: fixtureURL("float32.safetensors"))
        let file = SafetensorsFile([
            ("a", Tensor(shape: [3], scalars: [1, 2, 3])),
            ("b", Tensor(shape: [1, 2], scalars: [-1, 0.5])),
        ])
        #expect(file.encoded() == reference)
        #expect(try SafetensorsFile(decoding: reference, name: "float32.safetensors").names == ["a", "b"])
    }
}
