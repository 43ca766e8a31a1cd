import Foundation
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUFormats

/// A quantized model's weights file: written, encoded and decoded, the int8 tensors come back
/// as the `Int8Rows` that quantized them (I8 values and F32 row scales, the scheme in the
/// metadata), bf16 tensors as their rounded values, the rest as F32; and every way such a file
/// can be wrong, integer tensors in a float file first, is a one-line error naming the tensor.
@Suite(.tags(.unit))
struct QuantizedTensorsTests {
    static let weight = Tensor(
        shape: [6, 5], scalars: (0..<30).map { Float(($0 * 37) % 23) / 11 - 1 + ($0 == 7 ? 40 : 0) })
    static let bias = Tensor(shape: [6], scalars: (0..<6).map { Float($0) * 0.1 - 0.3 })
    static let tensors: [(name: String, tensor: Tensor)] = [("gru.weight_ih_l0", weight), ("gru.bias_ih_l0", bias)]

    /// `file` through its bytes, as a reader of the written file sees it.
    static func reread(_ file: SafetensorsFile) throws -> SafetensorsFile {
        try SafetensorsFile(decoding: file.encoded(), name: "weights.safetensors")
    }

    static func quantized(_ precision: InferencePrecision) throws -> SafetensorsFile {
        try reread(
            QuantizedTensors.file(
                tensors, quantizing: ["gru.weight_ih_l0"], at: precision, metadata: ["task": "classify"],
                fileName: "weights.safetensors"))
    }

    @Test func int8TensorsComeBackAsTheRowsThatQuantizedThem() throws {
        let file = try Self.quantized(.int8)
        #expect(
            file.sourceElementTypes == [
                "gru.weight_ih_l0": "I8", "gru.weight_ih_l0_scale": "F32", "gru.bias_ih_l0": "F32",
            ])
        #expect(file.metadata == ["task": "classify", "quantization": "int8-symmetric-per-row"])
        let expected = Self.weight.scalars.withUnsafeBufferPointer {
            Int8Rows(quantizing: $0.baseAddress!, rows: 6, columns: 5)
        }
        let read = try QuantizedTensors(reading: file)
        #expect(read.precision == .int8)
        #expect(read.int8Rows == ["gru.weight_ih_l0": expected])
        #expect(Set(read.tensors.keys) == ["gru.weight_ih_l0", "gru.bias_ih_l0"])
        #expect(read.tensors["gru.weight_ih_l0"] == Tensor(shape: [6, 5], scalars: expected.dequantized()))
        #expect(read.tensors["gru.bias_ih_l0"] == Self.bias)
        // The row with the outlier keeps its other values at its coarse scale: the file stores
        // the scheme's numbers, not a best effort.
        #expect(expected.values[7] == 127 && expected.scales[1] == Self.weight.scalars[7] / 127)
    }

    @Test func bf16TensorsComeBackRoundedAndTheRestAsStored() throws {
        let file = try Self.quantized(.bf16)
        #expect(file.sourceElementTypes == ["gru.weight_ih_l0": "BF16", "gru.bias_ih_l0": "F32"])
        let read = try QuantizedTensors(reading: file)
        #expect(read.precision == .bf16 && read.int8Rows.isEmpty)
        #expect(read.tensors["gru.weight_ih_l0"]!.scalars == Self.weight.scalars.map(BFloat16.rounded))
        #expect(read.tensors["gru.bias_ih_l0"] == Self.bias)
    }

    @Test func aFloatFileReadsAsItIs() throws {
        let read = try QuantizedTensors(reading: Self.reread(SafetensorsFile(Self.tensors)))
        #expect(read.precision == .float32 && read.int8Rows.isEmpty)
        #expect(read.tensors["gru.weight_ih_l0"] == Self.weight)
    }

    /// A file of the given tensors, the named ones stored as I8, with `metadata`.
    static func file(_ tensors: [(String, Tensor)], int8: Set<String>, metadata: [String: String]) throws
        -> SafetensorsFile
    {
        var file = SafetensorsFile(metadata: metadata, fileName: "weights.safetensors")
        for (name, tensor) in tensors {
            if int8.contains(name) {
                file.set(tensor, named: name, storedAs: .i8)
            } else {
                file.set(tensor, named: name)
            }
        }
        return try reread(file)
    }

    static let levels = Tensor(shape: [2, 3], scalars: [1, -2, 3, 127, 0, -127])
    static let int8Scheme = ["quantization": "int8-symmetric-per-row"]

    @Test func integerTensorsInAFloatFileAreAnErrorNamingTheTensor() throws {
        // I8 without a scheme, and I32 as a hand-made header writes it: never a silent cast.
        let withoutScheme = try Self.file(
            [("gru.weight_ih_l0", Self.levels)], int8: ["gru.weight_ih_l0"], metadata: [:])
        expectFormatError(subject: "weights.safetensors", containing: ["'gru.weight_ih_l0'", "I8", "without scales"]) {
            _ = try QuantizedTensors(reading: withoutScheme)
        }
        let header = Array(#"{"w":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}"#.utf8)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header
        for value: Int32 in [3, -4] { bytes += withUnsafeBytes(of: value.littleEndian, Array.init) }
        let i32 = try SafetensorsFile(decoding: Data(bytes), name: "w.safetensors")
        expectFormatError(subject: "w.safetensors", containing: ["'w'", "I32", "expected floats"]) {
            _ = try QuantizedTensors(reading: i32)
        }
        // Nor in a bf16 file, whose scheme has no integers.
        let bf16 = try Self.file(
            [("w", Self.levels)], int8: ["w"], metadata: ["quantization": "bf16"])
        expectFormatError(subject: "weights.safetensors", containing: ["'w'", "I8"]) {
            _ = try QuantizedTensors(reading: bf16)
        }
    }

    @Test(
        arguments: [
            ([("w", levels)], ["'w' has no 'w_scale'", "2 row scales"]),
            ([("w", levels), ("w_scale", Tensor(shape: [3], scalars: [1, 1, 1]))], ["'w_scale'", "shape [2]"]),
            ([("w", levels), ("w_scale", Tensor(shape: [2], scalars: [1, -1]))], ["'w_scale' holds -1.0", "finite"]),
            ([("w", levels), ("w_scale", Tensor(shape: [2], scalars: [.nan, 1]))], ["'w_scale' holds nan"]),
            (
                [("w", Tensor(shape: [2], scalars: [1, 2])), ("w_scale", Tensor(shape: [2], scalars: [1, 1]))],
                ["shape [2]"]
            ),
            (
                [("w", Tensor(shape: [1, 2], scalars: [-128, 2])), ("w_scale", Tensor(shape: [1], scalars: [1]))],
                ["-128"]
            ),
        ] as [([(String, Tensor)], [String])])
    func badInt8TensorsAreOneLineErrors(_ tensors: [(String, Tensor)], _ fragments: [String]) throws {
        let file = try Self.file(tensors, int8: ["w"], metadata: Self.int8Scheme)
        expectFormatError(subject: "weights.safetensors", containing: fragments) {
            _ = try QuantizedTensors(reading: file)
        }
    }

    @Test func anUnknownSchemeOrAnInt8SchemeWithoutIntegersIsAnError() throws {
        let unknown = try Self.file([("w", Self.weight)], int8: [], metadata: ["quantization": "int4"])
        expectFormatError(subject: "weights.safetensors", containing: ["'int4'", "bf16 or int8-symmetric-per-row"]) {
            _ = try QuantizedTensors(reading: unknown)
        }
        let empty = try Self.file([("w", Self.weight)], int8: [], metadata: Self.int8Scheme)
        expectFormatError(subject: "weights.safetensors", containing: ["no tensor is stored as I8"]) {
            _ = try QuantizedTensors(reading: empty)
        }
    }
}
