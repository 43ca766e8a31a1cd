import Foundation
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUFormats

/// A .npy file built by hand: magic, version, header length, the header padded with spaces
/// and a newline to a 64-byte boundary, then the payload bytes.
private func npyFile(_ header: String, version: UInt8 = 1, payload: [UInt8] = []) -> Data {
    let lengthFieldSize = version == 1 ? 2 : 4
    var headerBytes = Array(header.utf8)
    while (8 + lengthFieldSize + headerBytes.count + 1) % 64 != 0 { headerBytes.append(UInt8(ascii: " ")) }
    headerBytes.append(UInt8(ascii: "\n"))
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    bytes +=
        version == 1
        ? littleEndianBytes([UInt16(headerBytes.count)]) : littleEndianBytes([UInt32(headerBytes.count)])
    return Data(bytes + headerBytes + payload)
}

/// The little-endian bytes of float32 values.
private func float32Bytes(_ values: [Float]) -> [UInt8] {
    littleEndianBytes(values.map(\.bitPattern))
}

@Suite("Npy", .tags(.unit))
struct NpyTests {
    // MARK: - Round trips

    @Test("encode then decode is bit-identical", arguments: [[], [0], [1], [2, 3, 4], [3, 0, 2]])
    func roundTrip(shape: [Int]) throws {
        let tensor = Tensor(shape: shape, scalars: awkwardScalars(count: shape.reduce(1, *)))
        let array = try Npy.decode(Npy.encode(tensor), name: "t.npy")
        #expect(array.shape == shape)
        #expect(array.elementType == .float32)
        #expect(array.name == "t.npy")
        let decoded = array.floatTensor()
        #expect(decoded.shape == shape)
        expectBitIdentical(decoded.scalars, tensor.scalars)
    }

    @Test("write then read through a file is bit-identical")
    func fileRoundTrip() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let url = directory.appendingPathComponent("weights.npy")
        let tensor = Tensor(shape: [2, 3, 4], scalars: awkwardScalars(count: 24))
        try Npy.write(tensor, to: url)
        let array = try Npy.read(contentsOf: url)
        #expect(array.shape == [2, 3, 4])
        expectBitIdentical(array.floatTensor().scalars, tensor.scalars)
    }

    @Test(
        "the header is numpy's: version 1.0, '<f4', C order, 64-byte aligned, newline-terminated",
        arguments: [([Int](), "()"), ([3], "(3,)"), ([2, 3], "(2, 3)")])
    func headerLayout(shape: [Int], tuple: String) throws {
        let data = Npy.encode(Tensor(shape: shape))
        let bytes = [UInt8](data)
        #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let dataStart = 10 + headerLength
        #expect(dataStart % 64 == 0)
        #expect(bytes[dataStart - 1] == UInt8(ascii: "\n"))
        #expect(data.count == dataStart + 4 * shape.reduce(1, *))
        let header = String(decoding: bytes[10..<dataStart], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': \(tuple), }"))
    }

    @Test("encodeIntegers writes int64 that decodes exactly, 1-D by default")
    func integerRoundTrip() throws {
        let values = [4, 2, -3, Int(Int64.max), Int(Int64.min), 0]
        let flat = try Npy.decode(Npy.encodeIntegers(values), name: "lengths.npy")
        #expect(flat.elementType == .int64)
        #expect(flat.shape == [6])
        #expect(try flat.integers() == values)
        let matrix = try Npy.decode(Npy.encodeIntegers(values, shape: [2, 3]), name: "m.npy")
        #expect(matrix.shape == [2, 3])
        #expect(try matrix.integers() == values)
        let empty = try Npy.decode(Npy.encodeIntegers([]), name: "e.npy")
        #expect(empty.shape == [0])
        #expect(try empty.integers().isEmpty)
    }

    // MARK: - Decoding other element types and versions

    @Test("float64 decodes and rounds to Float")
    func float64() throws {
        let values: [Double] = [1.5, -2.25, 0.1, 1e300]
        let data = npyFile(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
            payload: littleEndianBytes(values.map(\.bitPattern)))
        let array = try Npy.decode(data, name: "d.npy")
        #expect(array.elementType == .float64)
        #expect(array.shape == [2, 2])
        expectBitIdentical(array.floatTensor().scalars, [1.5, -2.25, Float(0.1), .infinity])
    }

    @Test("int32 and int64 decode exactly through integers()")
    func integerArrays() throws {
        let int32 = npyFile(
            "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }",
            payload: littleEndianBytes([Int32(7), -2, .max]))
        let a = try Npy.decode(int32, name: "a.npy")
        #expect(a.elementType == .int32)
        #expect(try a.integers() == [7, -2, Int(Int32.max)])
        #expect(a.floatTensor().scalars == [7, -2, 2_147_483_648])

        let int64 = npyFile(
            "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2), }",
            payload: littleEndianBytes([Int64(1) << 40, -5]))
        let b = try Npy.decode(int64, name: "b.npy")
        #expect(b.elementType == .int64)
        #expect(b.shape == [1, 2])
        #expect(try b.integers() == [1 << 40, -5])
        #expect(b.floatTensor().scalars == [1_099_511_627_776, -5])
    }

    @Test("version 2.0 and 3.0 headers decode")
    func laterVersions() throws {
        for version: UInt8 in [2, 3] {
            let data = npyFile(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                version: version, payload: float32Bytes([0.5, -4]))
            let array = try Npy.decode(data, name: "v\(version).npy")
            #expect(array.shape == [2])
            #expect(array.floatTensor().scalars == [0.5, -4])
        }
    }

    @Test("headers from other writers parse: double quotes, key order, no trailing comma, 3L")
    func headerVariants() throws {
        let headers = [
            #"{"shape": (2,), "descr": "<f4", "fortran_order": False}"#,
            "{'fortran_order':False,'shape':(2L,),'descr':'<f4'}",
            "{ 'descr' : '<f4' ,\n 'fortran_order' : False , 'shape' : ( 2 , ) , }",
        ]
        for header in headers {
            let array = try Npy.decode(npyFile(header, payload: float32Bytes([1, 2])), name: "h.npy")
            #expect(array.shape == [2], "header: \(header)")
        }
    }

    @Test("integers() of a float array names the array and its dtype")
    func integersOfFloats() throws {
        let array = try Npy.decode(Npy.encode(Tensor(shape: [2])), name: "labels.npy")
        expectFormatError(subject: "labels.npy", containing: ["'<f4'", "expected integers"]) {
            _ = try array.integers()
        }
    }

    // MARK: - Rejections

    struct Rejection: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let data: Data
        let fragments: [String]
    }

    static let rejections: [Rejection] = {
        let good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
        let two = float32Bytes([1, 2])
        let encoded = [UInt8](npyFile(good, payload: two))
        func with(_ descr: String) -> Data {
            npyFile("{'descr': '\(descr)', 'fortran_order': False, 'shape': (2,), }", payload: two)
        }
        return [
            Rejection(
                testDescription: "bad magic", data: Data("PK\u{3}\u{4}zipfile".utf8),
                fragments: ["not a .npy file", "expected the magic bytes", "found 50 4b 03 04 7a 69"]),
            Rejection(
                testDescription: "empty file", data: Data(),
                fragments: ["not a .npy file", "found an empty file"]),
            Rejection(
                testDescription: "no version", data: Data(encoded[0..<7]),
                fragments: ["truncated header", "format version"]),
            Rejection(
                testDescription: "version 4.0", data: Data(encoded[0..<6] + [4, 0] + encoded[8...]),
                fragments: ["version 4.0 is not supported", "expected 1.0, 2.0 or 3.0"]),
            Rejection(
                testDescription: "version 1.1", data: Data(encoded[0..<6] + [1, 1] + encoded[8...]),
                fragments: ["version 1.1 is not supported"]),
            Rejection(
                testDescription: "no header length", data: Data(encoded[0..<9]),
                fragments: ["truncated header", "expected a 2-byte header length, found 1 bytes"]),
            Rejection(
                testDescription: "truncated header", data: Data(encoded[0..<40]),
                fragments: ["truncated header", "expected 118 header bytes, found 30"]),
            Rejection(
                testDescription: "Fortran order",
                data: npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", payload: two),
                fragments: ["Fortran order is not supported; save with numpy.ascontiguousarray"]),
            Rejection(
                testDescription: "big-endian", data: with(">f4"),
                fragments: ["big-endian dtype '>f4' is not supported", "expected little-endian '<f4'"]),
            Rejection(
                testDescription: "big-endian int", data: with(">i8"),
                fragments: ["big-endian dtype '>i8'", "'<i8'"]),
            Rejection(
                testDescription: "float16", data: with("<f2"),
                fragments: ["dtype '<f2' is not supported", "expected one of '<f4', '<f8', '<i4', '<i8'"]),
            Rejection(testDescription: "uint8", data: with("|u1"), fragments: ["dtype '|u1' is not supported"]),
            Rejection(testDescription: "bool", data: with("|b1"), fragments: ["dtype '|b1' is not supported"]),
            Rejection(testDescription: "object", data: with("|O"), fragments: ["dtype '|O' is not supported"]),
            Rejection(
                testDescription: "'|' byte order", data: with("|f4"), fragments: ["dtype '|f4' is not supported"]),
            Rejection(
                testDescription: "structured dtype",
                data: npyFile("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,), }", payload: two),
                fragments: ["dtype [('x', '<f4')] is not supported"]),
            Rejection(
                testDescription: "short data", data: Data(encoded.dropLast(3)),
                fragments: ["truncated data", "shape (2,) of '<f4' needs 8 bytes of data, found 5"]),
            Rejection(
                testDescription: "long data", data: Data(encoded + [0, 0, 0, 0]),
                fragments: ["data length disagrees with the shape", "needs 8 bytes of data, found 12"]),
            Rejection(
                testDescription: "missing colon",
                data: npyFile("{'descr' '<f4', 'fortran_order': False, 'shape': (2,), }", payload: two),
                fragments: ["malformed header \"{'descr' '<f4'", "expected ':' after key 'descr', found \"'\""]),
            Rejection(
                testDescription: "not a dict", data: npyFile("('<f4', False, (2,))", payload: two),
                fragments: ["malformed header", "expected a dict, found ('<f4', False, (2,))"]),
            Rejection(
                testDescription: "misplaced quote", data: npyFile("{'descr: '<f4'}", payload: two),
                fragments: ["malformed header", "expected ':' after key 'descr: ', found '<'"]),
            Rejection(
                testDescription: "unterminated string", data: npyFile("{'descr': '<f4", payload: two),
                fragments: ["malformed header \"{'descr': '<f4\"", "unterminated string"]),
            Rejection(
                testDescription: "unknown name",
                data: npyFile("{'descr': '<f4', 'fortran_order': false, 'shape': (2,), }", payload: two),
                fragments: ["malformed header", "unknown name 'false'"]),
            Rejection(
                testDescription: "missing key",
                data: npyFile("{'descr': '<f4', 'shape': (2,), }", payload: two),
                fragments: ["header is missing the key 'fortran_order'"]),
            Rejection(
                testDescription: "extra key",
                data: npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", payload: two),
                fragments: ["header has the unexpected key 'x'"]),
            Rejection(
                testDescription: "negative extent",
                data: npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", payload: two),
                fragments: ["header 'shape' is (-2,); expected a tuple of non-negative integers"]),
            Rejection(
                testDescription: "shape not a tuple",
                data: npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", payload: two),
                fragments: ["header 'shape' is 2; expected a tuple"]),
            Rejection(
                testDescription: "fortran_order not a bool",
                data: npyFile("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", payload: two),
                fragments: ["header 'fortran_order' is 0; expected True or False"]),
            Rejection(
                testDescription: "nested 50,000 deep",
                data: npyFile(
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': "
                        + String(repeating: "(", count: 50_000) + String(repeating: ")", count: 50_000) + "}",
                    version: 2, payload: two),
                fragments: ["malformed header", "nested more than 32 deep"]),
            Rejection(
                testDescription: "shape too large",
                data: npyFile(
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", payload: two),
                fragments: ["byte size overflows"]),
        ]
    }()

    @Test("malformed files are rejected with a message naming the file", arguments: rejections)
    func rejects(_ rejection: Rejection) {
        expectFormatError(subject: "bad.npy", containing: rejection.fragments) {
            _ = try Npy.decode(rejection.data, name: "bad.npy")
        }
    }

    @Test("a pipe is read to its end, as from <(cat x.npy)")
    func readsPipes() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let pipe = directory.appendingPathComponent("pipe.npy")
        #expect(mkfifo(pipe.path, 0o600) == 0)
        let tensor = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let bytes = Npy.encode(tensor)
        let writer = Thread {
            let handle = FileHandle(forWritingAtPath: pipe.path)
            handle?.write(bytes)
            try? handle?.close()
        }
        writer.start()
        #expect(try Npy.read(contentsOf: pipe).floatTensor() == tensor)
    }

    @Test("a missing file is an error naming its path")
    func missingFile() {
        let url = URL(fileURLWithPath: "/nonexistent-GRUFormats/x.npy")
        expectFormatError(subject: "/nonexistent-GRUFormats/x.npy", containing: ["no such file"]) {
            _ = try Npy.read(contentsOf: url)
        }
    }
}

/// `.npy` files written by numpy (Tools/Reference/make_format_fixtures.py).
@Suite("Npy against numpy", .tags(.reference))
struct NpyReferenceTests {
    @Test("numpy float64 array: [[1.5, -2.25, 3.0], [0.1, 0.001, -7.0]]")
    func numpyFloat64() throws {
        let array = try Npy.read(contentsOf: fixtureURL("float64.npy"))
        #expect(array.elementType == .float64)
        #expect(array.shape == [2, 3])
        let expected: [Double] = [1.5, -2.25, 3.0, 0.1, 0.001, -7.0]
        expectBitIdentical(array.floatTensor().scalars, expected.map { Float($0) })
    }

    @Test("numpy int64 array: [3, -1, 0, 2**40], and encodeIntegers reproduces it byte for byte")
    func numpyInt64() throws {
        let array = try Npy.read(contentsOf: fixtureURL("int64.npy"))
        #expect(array.elementType == .int64)
        #expect(array.shape == [4])
        #expect(try array.integers() == [3, -1, 0, 1_099_511_627_776])
        #expect(Npy.encodeIntegers([3, -1, 0, 1 << 40]) == (try Data(contentsOf: fixtureURL("int64.npy"))))
    }

    @Test("Npy.encode reproduces numpy.save byte for byte")
    func numpyFloat32IsByteIdentical() throws {
        let reference = try Data(contentsOf: fixtureURL("float32.npy"))
        let tensor = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(Npy.encode(tensor) == reference)
        #expect(try Npy.decode(reference, name: "float32.npy").floatTensor() == tensor)
    }

    @Test("numpy Fortran-order and big-endian files are rejected")
    func numpyRejections() {
        let fortran = fixtureURL("fortran.npy")
        expectFormatError(
            subject: fortran.path, containing: ["Fortran order is not supported; save with numpy.ascontiguousarray"]
        ) {
            _ = try Npy.read(contentsOf: fortran)
        }
        let bigEndian = fixtureURL("bigendian.npy")
        expectFormatError(subject: bigEndian.path, containing: ["big-endian dtype '>f4' is not supported"]) {
            _ = try Npy.read(contentsOf: bigEndian)
        }
    }
}
