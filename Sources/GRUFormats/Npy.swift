import Foundation
import GRUTensor

/// Reading and writing NumPy .npy files (format versions 1.0, 2.0 and 3.0).
///
/// Layout: the magic bytes `\x93NUMPY`, a major and a minor version byte, the header length
/// (a little-endian UInt16 in version 1.0, UInt32 in 2.0 and 3.0), the header (a Python dict
/// literal with 'descr', 'fortran_order' and 'shape', padded with spaces and a newline so the
/// data starts at a multiple of 64 bytes), then the elements in row-major order.
///
/// Reading accepts little-endian float32, float64, int32 and int64 (`<f4`, `<f8`, `<i4`,
/// `<i8`) in C order; writing produces float32 (and int64) files byte-identical to `numpy.save`.
public enum Npy {
    /// The bytes every .npy file starts with.
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The array stored in the .npy file at `url`.
    ///
    /// - Throws: `FormatError` naming the file when it cannot be read or is not a supported .npy file.
    public static func read(contentsOf url: URL) throws -> NpyArray {
        try decode(readContents(of: url), name: displayName(of: url))
    }

    /// The array stored in the bytes of a .npy file.
    ///
    /// - Parameters:
    ///   - data: The whole file.
    ///   - name: The file's name for error messages and for the array's `name`.
    /// - Throws: `FormatError` about `name` for bad magic bytes, an unsupported version, a
    ///   truncated or malformed header, Fortran order, a big-endian or unsupported dtype, or a
    ///   data length that disagrees with the shape.
    public static func decode(_ data: Data, name: String) throws -> NpyArray {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            let (header, dataStart) = try readHeader(bytes, name: name)
            guard let elementType = NpyElementType(descriptor: header.descr) else {
                throw unsupportedDtype(header.descr, name: name)
            }
            guard !header.fortranOrder else {
                throw FormatError(name, "Fortran order is not supported; save with numpy.ascontiguousarray")
            }
            let shapeText = NpyHeader.pythonTuple(header.shape)
            guard let byteCount = checkedByteCount(header.shape, elementSize: elementType.byteCount) else {
                throw FormatError(name, "header 'shape' is \(shapeText); its byte size overflows")
            }
            let available = bytes.count - dataStart
            guard byteCount == available else {
                let problem = available < byteCount ? "truncated data" : "data length disagrees with the shape"
                throw FormatError(
                    name,
                    "\(problem); shape \(shapeText) of '\(header.descr)' needs \(byteCount) bytes of data, found \(available)"
                )
            }
            let count = byteCount / elementType.byteCount
            let elements: NpyArray.Elements
            switch elementType {
            case .float32:
                elements = .float32(
                    loadLittleEndian(UInt32.self, count: count, from: bytes, at: dataStart).map(Float.init(bitPattern:))
                )
            case .float64:
                elements = .float64(
                    loadLittleEndian(UInt64.self, count: count, from: bytes, at: dataStart).map(
                        Double.init(bitPattern:)))
            case .int32:
                elements = .int32(loadLittleEndian(Int32.self, count: count, from: bytes, at: dataStart))
            case .int64:
                elements = .int64(loadLittleEndian(Int64.self, count: count, from: bytes, at: dataStart))
            }
            return NpyArray(name: name, shape: header.shape, elements: elements)
        }
    }

    /// The bytes of a .npy file holding `tensor` as little-endian float32 in C order.
    ///
    /// The header is the one `numpy.save` writes for the same array (version 1.0 unless the
    /// header is too long for it), so the output is byte-identical.
    public static func encode(_ tensor: Tensor) -> Data {
        var payload = Data(capacity: 4 * tensor.count)
        appendLittleEndian(tensor.scalars, to: &payload)
        return encode(descriptor: NpyElementType.float32.descriptor, shape: tensor.shape, payload: payload)
    }

    /// The bytes of a .npy file holding `values` as little-endian int64 (`<i8`) in C order.
    ///
    /// Byte-identical to `numpy.save` of an int64 array; for sequence lengths and labels.
    ///
    /// - Parameters:
    ///   - values: The elements in row-major order.
    ///   - shape: The array's shape; when nil, one dimension of `values.count`.
    public static func encodeIntegers(_ values: [Int], shape: [Int]? = nil) -> Data {
        let shape = shape ?? [values.count]
        precondition(
            shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count,
            "shape \(shape) does not hold \(values.count) elements")
        var payload = Data(capacity: 8 * values.count)
        for value in values { appendLittleEndian(Int64(value), to: &payload) }
        return encode(descriptor: NpyElementType.int64.descriptor, shape: shape, payload: payload)
    }

    /// A whole .npy file: numpy's header for a C-order array, then the element bytes.
    private static func encode(descriptor: String, shape: [Int], payload: Data) -> Data {
        let header = NpyHeader(descr: descriptor, fortranOrder: false, shape: shape)
        let text = Array(header.text.utf8)
        // The header is padded with spaces and a newline so that the data starts on a 64-byte
        // boundary; like numpy, a full 64 bytes of padding when the text already ends on one.
        func paddedLength(prefixLength: Int) -> Int {
            let unpadded = text.count + 1
            return unpadded + 64 - (prefixLength + unpadded) % 64
        }
        let versionOneLength = paddedLength(prefixLength: magic.count + 4)
        let isVersionOne = versionOneLength <= Int(UInt16.max)
        let headerLength = isVersionOne ? versionOneLength : paddedLength(prefixLength: magic.count + 6)

        var data = Data(capacity: magic.count + 6 + headerLength + payload.count)
        data.append(contentsOf: magic)
        if isVersionOne {
            data.append(contentsOf: [1, 0])
            appendLittleEndian(UInt16(headerLength), to: &data)
        } else {
            data.append(contentsOf: [2, 0])
            appendLittleEndian(UInt32(headerLength), to: &data)
        }
        data.append(contentsOf: text)
        data.append(contentsOf: repeatElement(UInt8(ascii: " "), count: headerLength - text.count - 1))
        data.append(UInt8(ascii: "\n"))
        data.append(payload)
        return data
    }

    /// Writes `tensor` to `url` as a float32 .npy file, atomically (see `writeAtomically`).
    ///
    /// - Throws: `FormatError` naming the path when the file cannot be written.
    public static func write(_ tensor: Tensor, to url: URL) throws {
        try writeAtomically(encode(tensor), to: url)
    }

    // MARK: - Reading the header

    /// The parsed header and the byte offset at which the data starts.
    private static func readHeader(_ bytes: UnsafeRawBufferPointer, name: String) throws -> (NpyHeader, Int) {
        guard bytes.count >= magic.count, bytes.prefix(magic.count).elementsEqual(magic) else {
            let found =
                bytes.isEmpty
                ? "an empty file"
                : bytes.prefix(magic.count).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw FormatError(
                name, "not a .npy file; expected the magic bytes 93 4e 55 4d 50 59 (\\x93NUMPY), found \(found)")
        }
        guard bytes.count >= magic.count + 2 else {
            throw FormatError(
                name, "truncated header; expected a format version after the magic bytes, found the end of the file")
        }
        let major = bytes[magic.count], minor = bytes[magic.count + 1]
        let lengthFieldSize: Int
        switch (major, minor) {
        case (1, 0): lengthFieldSize = 2
        case (2, 0), (3, 0): lengthFieldSize = 4
        default:
            throw FormatError(name, ".npy format version \(major).\(minor) is not supported; expected 1.0, 2.0 or 3.0")
        }
        let lengthOffset = magic.count + 2
        guard bytes.count >= lengthOffset + lengthFieldSize else {
            throw FormatError(
                name,
                "truncated header; expected a \(lengthFieldSize)-byte header length, found \(bytes.count - lengthOffset) bytes"
            )
        }
        let headerLength =
            lengthFieldSize == 2
            ? Int(loadLittleEndian(UInt16.self, count: 1, from: bytes, at: lengthOffset)[0])
            : Int(loadLittleEndian(UInt32.self, count: 1, from: bytes, at: lengthOffset)[0])
        let headerStart = lengthOffset + lengthFieldSize
        guard bytes.count - headerStart >= headerLength else {
            throw FormatError(
                name, "truncated header; expected \(headerLength) header bytes, found \(bytes.count - headerStart)")
        }
        let headerBytes = Array(bytes[headerStart..<headerStart + headerLength])
        return (try NpyHeader(parsing: headerBytes, name: name), headerStart + headerLength)
    }

    /// The error for a dtype outside the supported four, singling out big-endian ones.
    private static func unsupportedDtype(_ descr: String, name: String) -> FormatError {
        if descr.hasPrefix(">"), let little = NpyElementType(descriptor: "<" + descr.dropFirst()) {
            return FormatError(
                name,
                "big-endian dtype '\(descr)' is not supported; expected little-endian '\(little.descriptor)' (save with array.astype('\(little.descriptor)'))"
            )
        }
        return FormatError(
            name, "dtype '\(descr)' is not supported; expected one of \(NpyElementType.supportedDescriptions)")
    }
}
