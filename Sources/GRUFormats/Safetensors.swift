import Foundation
import GRUTensor

/// A set of named tensors in the safetensors format, in a stable order, with string metadata.
///
/// File layout: an 8-byte little-endian UInt64 header length N, N bytes of JSON header, then
/// the data buffer. The header maps each tensor name to
/// `{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}`, offsets relative to the
/// start of the buffer, plus an optional `"__metadata__"` object of strings.
///
/// Reading accepts F32, F64, F16, BF16, I8, I32 and I64 and converts every tensor to Float;
/// `sourceElementTypes` records what each was. Writing stores F32, or BF16 or I8 for tensors
/// set with `set(_:named:storedAs:)` (a quantized model's weights). The names keep the
/// order of the tensors in the file's buffer on reading and the order of insertion otherwise;
/// the buffer is written in that order.
public struct SafetensorsFile: Sendable {
    /// The key that holds the metadata object in the header; it cannot name a tensor.
    public static let metadataKey = "__metadata__"

    /// The name used for this file in error messages: the path it was read from, or the one
    /// given at initialization.
    public var fileName: String
    /// The tensor names in order: buffer order for a file that was read, insertion order otherwise.
    public private(set) var names: [String]
    /// Free-form string metadata, stored under `__metadata__` in the header.
    public var metadata: [String: String]
    /// The dtype each tensor had in the file it was read from, such as `"F16"`, by tensor name.
    ///
    /// Tensors added or replaced with `set(_:named:)` have no entry.
    public private(set) var sourceElementTypes: [String: String]
    private var tensors: [String: Tensor]
    /// The tensors written as other than F32.
    private var storage: [String: Storage] = [:]

    /// The dtype a tensor is written as.
    public enum Storage: String, Sendable {
        case f32 = "F32"
        /// bfloat16: the tensor's values must be bfloat16 values (their low 16 bits zero).
        case bf16 = "BF16"
        /// int8: the tensor's values must be integers in -128...127.
        case i8 = "I8"

        var byteCount: Int {
            switch self {
            case .f32: 4
            case .bf16: 2
            case .i8: 1
            }
        }
    }

    /// A file holding the given tensors in the given order.
    ///
    /// - Parameters:
    ///   - tensors: Name and tensor pairs; names must be unique and not `__metadata__`.
    ///   - metadata: String metadata to store in the header.
    ///   - fileName: The name to use for this file in error messages.
    public init(
        _ tensors: [(name: String, tensor: Tensor)] = [],
        metadata: [String: String] = [:],
        fileName: String = "safetensors file"
    ) {
        self.fileName = fileName
        self.names = []
        self.metadata = metadata
        self.sourceElementTypes = [:]
        self.tensors = [:]
        for (name, tensor) in tensors {
            precondition(self.tensors[name] == nil, "duplicate tensor name '\(name)'")
            set(tensor, named: name)
        }
    }

    /// The tensor with the given name, or nil when there is none.
    public subscript(name: String) -> Tensor? {
        tensors[name]
    }

    /// The tensor with the given name.
    ///
    /// - Throws: `FormatError` naming the file and the missing tensor, such as
    ///   `model.safetensors: missing tensor 'weight_ih_l0'; found bias_ih_l0, bias_hh_l0`.
    public func require(_ name: String) throws -> Tensor {
        guard let tensor = tensors[name] else {
            let listed = names.prefix(8).joined(separator: ", ") + (names.count > 8 ? ", ..." : "")
            throw FormatError(fileName, "missing tensor '\(name)'; found \(names.isEmpty ? "no tensors" : listed)")
        }
        return tensor
    }

    /// Stores `tensor` under `name`, replacing a tensor of that name in place or appending it.
    public mutating func set(_ tensor: Tensor, named name: String) {
        precondition(name != Self.metadataKey, "'\(Self.metadataKey)' cannot name a tensor")
        if tensors.updateValue(tensor, forKey: name) == nil {
            names.append(name)
        }
        sourceElementTypes[name] = nil
        storage[name] = nil
    }

    /// Stores `tensor` under `name` as `set(_:named:)` does, to be written as `storedAs`; its
    /// values must be exact in that dtype (a precondition: rounding belongs to the caller).
    public mutating func set(_ tensor: Tensor, named name: String, storedAs dtype: Storage) {
        switch dtype {
        case .f32: break
        case .bf16:
            precondition(tensor.scalars.allSatisfy { $0.bitPattern & 0xFFFF == 0 }, "'\(name)' is not bfloat16")
        case .i8:
            precondition(tensor.scalars.allSatisfy { Int8(exactly: $0) != nil }, "'\(name)' is not int8")
        }
        set(tensor, named: name)
        storage[name] = dtype == .f32 ? nil : dtype
    }

    /// The file at `url`, with every tensor converted to Float.
    ///
    /// - Throws: `FormatError` naming the file when it cannot be read or is not a valid
    ///   safetensors file (see `init(decoding:name:)`).
    public static func read(contentsOf url: URL) throws -> SafetensorsFile {
        try SafetensorsFile(decoding: readContents(of: url), name: displayName(of: url))
    }

    /// Writes the file to `url` atomically (see `writeAtomically`).
    ///
    /// - Throws: `FormatError` naming the path when the file cannot be written.
    public func write(to url: URL) throws {
        try writeAtomically(encoded(), to: url)
    }

    /// The bytes of the file, every tensor stored as F32 or as `set(_:named:storedAs:)` said,
    /// in `names` order.
    ///
    /// The header is compact JSON, metadata first with sorted keys, padded with spaces to a
    /// multiple of 8 bytes so the buffer stays aligned.
    public func encoded() -> Data {
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { jsonQuoted($0.key) + ":" + jsonQuoted($0.value) }
            entries.append(jsonQuoted(Self.metadataKey) + ":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let dtype = storage[name] ?? .f32
            let end = offset + dtype.byteCount * tensor.count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(
                jsonQuoted(name)
                    + #":{"dtype":"\#(dtype.rawValue)","shape":[\#(shape)],"data_offsets":[\#(offset),\#(end)]}"#)
            offset = end
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        header += repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8)

        var data = Data(capacity: 8 + header.count + offset)
        appendLittleEndian(UInt64(header.count), to: &data)
        data.append(contentsOf: header)
        for name in names {
            let scalars = tensors[name]!.scalars
            switch storage[name] ?? .f32 {
            case .f32: appendLittleEndian(scalars, to: &data)
            case .bf16: for value in scalars { appendLittleEndian(UInt16(value.bitPattern >> 16), to: &data) }
            case .i8: data.append(contentsOf: scalars.map { UInt8(bitPattern: Int8($0)) })
            }
        }
        return data
    }

    /// Adds a tensor read from a file, recording its original dtype.
    mutating func insert(_ tensor: Tensor, named name: String, sourceElementType: String) {
        set(tensor, named: name)
        sourceElementTypes[name] = sourceElementType
    }
}

/// `text` as a JSON string literal: quoted, with quotes, backslashes and control characters escaped.
private func jsonQuoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20:
            result +=
                "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                + String(scalar.value, radix: 16)
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
