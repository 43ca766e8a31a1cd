import Foundation
import GRUTensor

// Reading and validating a safetensors file. Every check names the file, and the tensor where
// there is one, and says what was expected and what was found.

extension SafetensorsFile {
    /// The largest header accepted, as in the reference implementation; a larger length field
    /// means the file is not safetensors at all.
    static let maximumHeaderLength = 100_000_000

    /// The file held in `data`, with every tensor converted to Float.
    ///
    /// - Parameters:
    ///   - data: The whole file.
    ///   - name: The file's name for error messages; it becomes `fileName`.
    /// - Throws: `FormatError` about `name` when the file is shorter than 8 bytes; the header
    ///   length runs past the file or beyond 100 MB; the header is not a JSON object; a name
    ///   repeats; an entry is not an object; a dtype is not F32, F64, F16, BF16, I8, I32 or I64; a
    ///   shape is not a list of non-negative integers; `data_offsets` is not `[begin, end]`
    ///   with begin <= end; the byte length disagrees with shape and dtype; a range lies outside
    ///   the buffer, overlaps another or leaves a gap; bytes follow the last tensor; or a metadata
    ///   value is not a string.
    public init(decoding data: Data, name: String) throws {
        self.init(fileName: name)
        let (header, bufferStart) = try Self.readHeader(data, name: name)
        let bufferSize = data.count - bufferStart

        var entries: [(name: String, type: SafetensorsElementType, shape: [Int], range: Range<Int>)] = []
        // Sorted so that a file with several problems always reports the same one.
        for key in header.keys.sorted() where key != Self.metadataKey {
            entries.append(try Self.validateEntry(header[key]!, named: key, bufferSize: bufferSize, file: name))
        }
        // mlx's save_safetensors writes `"__metadata__":null` when given no metadata, which the
        // reference implementation reads as none.
        if let value = header[Self.metadataKey], !(value is NSNull) {
            metadata = try Self.validateMetadata(value, file: name)
        }

        // Stable order: by position in the buffer, then by name for empty tensors.
        entries.sort {
            ($0.range.lowerBound, $0.range.upperBound, $0.name) < ($1.range.lowerBound, $1.range.upperBound, $1.name)
        }
        // As in the reference implementation, the tensors fill the buffer: no overlaps, no
        // gaps, nothing after them (bytes that no tensor claims mean a damaged or joined file).
        var previous: (name: String, range: Range<Int>)?
        for entry in entries where !entry.range.isEmpty {
            let end = previous?.range.upperBound ?? 0
            if let previous, entry.range.lowerBound < end {
                throw FormatError(
                    name,
                    "tensors '\(previous.name)' \(Self.offsetsText(previous.range)) and '\(entry.name)' \(Self.offsetsText(entry.range)) overlap; expected disjoint data_offsets"
                )
            }
            if entry.range.lowerBound > end {
                throw FormatError(
                    name,
                    "tensor '\(entry.name)' starts at byte \(entry.range.lowerBound) of the data buffer; expected \(end), where \(previous.map { "'\($0.name)' ends" } ?? "the buffer starts") (no gaps)"
                )
            }
            previous = (entry.name, entry.range)
        }
        let end = previous?.range.upperBound ?? 0
        guard end == bufferSize else {
            throw FormatError(
                name,
                "the tensors fill \(end) bytes of the \(bufferSize)-byte data buffer; expected them to fill it (trailing bytes)"
            )
        }

        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            for entry in entries {
                let count = entry.range.count / entry.type.byteCount
                let scalars = entry.type.floats(count: count, from: bytes, at: bufferStart + entry.range.lowerBound)
                insert(
                    Tensor(shape: entry.shape, scalars: scalars), named: entry.name,
                    sourceElementType: entry.type.rawValue)
            }
        }
    }

    // MARK: - Header

    /// The parsed JSON header object and the byte offset at which the data buffer starts.
    private static func readHeader(_ data: Data, name: String) throws -> ([String: Any], Int) {
        guard data.count >= 8 else {
            throw FormatError(
                name, "file is \(data.count) bytes; expected at least 8 (the header length of a safetensors file)")
        }
        let headerLength = data.withUnsafeBytes { loadLittleEndian(UInt64.self, count: 1, from: $0, at: 0)[0] }
        guard headerLength <= UInt64(maximumHeaderLength) else {
            throw FormatError(
                name,
                "header length \(headerLength) exceeds the \(maximumHeaderLength)-byte limit; expected a safetensors file"
            )
        }
        guard Int(headerLength) <= data.count - 8 else {
            throw FormatError(
                name,
                "header length \(headerLength) runs past the end of the file; found \(data.count - 8) bytes after the length"
            )
        }
        let start = data.startIndex + 8
        let headerBytes = [UInt8](data[start..<start + Int(headerLength)])
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(headerBytes), options: [.fragmentsAllowed])
        } catch {
            throw FormatError(name, "header is not valid JSON; expected a JSON object of tensor entries")
        }
        guard let header = parsed as? [String: Any] else {
            throw FormatError(name, "header is \(jsonText(parsed)); expected a JSON object of tensor entries")
        }
        if let repeated = firstRepeatedJSONObjectKey(headerBytes) {
            guard let object = repeated.object else {
                throw FormatError(name, "header names '\(repeated.key)' twice; expected unique tensor names")
            }
            throw FormatError(name, "header's '\(object)' names '\(repeated.key)' twice; expected unique keys")
        }
        return (header, 8 + Int(headerLength))
    }

    /// One header entry checked against the buffer: its dtype, shape and byte range.
    private static func validateEntry(
        _ value: Any, named tensorName: String, bufferSize: Int, file: String
    ) throws -> (name: String, type: SafetensorsElementType, shape: [Int], range: Range<Int>) {
        let tensor = "tensor '\(tensorName)'"
        guard let entry = value as? [String: Any] else {
            throw FormatError(
                file,
                "entry '\(tensorName)' is \(jsonText(value)); expected an object with dtype, shape and data_offsets")
        }
        guard let dtypeValue = entry["dtype"] else {
            throw FormatError(file, "\(tensor) has no dtype; expected one of \(SafetensorsElementType.supportedList)")
        }
        guard let dtype = dtypeValue as? String, let type = SafetensorsElementType(rawValue: dtype) else {
            let found = (dtypeValue as? String) ?? jsonText(dtypeValue)
            throw FormatError(
                file, "\(tensor) has dtype \(found); expected one of \(SafetensorsElementType.supportedList)")
        }
        guard let shapeValue = entry["shape"] else {
            throw FormatError(file, "\(tensor) has no shape; expected a list of non-negative integers")
        }
        guard let shape = nonNegativeIntegers(shapeValue) else {
            throw FormatError(
                file, "\(tensor) has shape \(jsonText(shapeValue)); expected a list of non-negative integers")
        }
        guard let offsetsValue = entry["data_offsets"] else {
            throw FormatError(file, "\(tensor) has no data_offsets; expected [begin, end]")
        }
        guard let offsets = nonNegativeIntegers(offsetsValue), offsets.count == 2, offsets[0] <= offsets[1] else {
            throw FormatError(
                file,
                "\(tensor) has data_offsets \(jsonText(offsetsValue)); expected [begin, end] with 0 <= begin <= end")
        }
        let range = offsets[0]..<offsets[1]
        guard let byteCount = checkedByteCount(shape, elementSize: type.byteCount) else {
            throw FormatError(file, "\(tensor) has shape \(jsonText(shapeValue)) whose byte size overflows")
        }
        guard byteCount == range.count else {
            throw FormatError(
                file,
                "\(tensor) has shape \(jsonText(shapeValue)) and dtype \(dtype), so \(byteCount) bytes; data_offsets \(offsetsText(range)) span \(range.count)"
            )
        }
        guard range.upperBound <= bufferSize else {
            throw FormatError(
                file, "\(tensor) has data_offsets \(offsetsText(range)) beyond the \(bufferSize)-byte data buffer")
        }
        return (tensorName, type, shape, range)
    }

    /// The `__metadata__` object checked to hold only strings.
    private static func validateMetadata(_ value: Any, file: String) throws -> [String: String] {
        guard let object = value as? [String: Any] else {
            throw FormatError(file, "'\(metadataKey)' is \(jsonText(value)); expected an object of strings")
        }
        var metadata: [String: String] = [:]
        for (key, item) in object.sorted(by: { $0.key < $1.key }) {
            guard let text = item as? String else {
                throw FormatError(file, "metadata '\(key)' is \(jsonText(item)); expected a string")
            }
            metadata[key] = text
        }
        return metadata
    }

    /// `[begin, end]` as written in the header.
    private static func offsetsText(_ range: Range<Int>) -> String {
        "[\(range.lowerBound), \(range.upperBound)]"
    }
}

// MARK: - JSON values

/// The integers of a JSON array whose elements are all non-negative integers, or nil.
private func nonNegativeIntegers(_ value: Any) -> [Int]? {
    guard let array = value as? [Any] else { return nil }
    var integers: [Int] = []
    for element in array {
        guard let integer = jsonInteger(element), integer >= 0 else { return nil }
        integers.append(integer)
    }
    return integers
}

/// A JSON number that is an integer representable as `Int`, or nil for anything else.
///
/// JSONSerialization returns NSNumber for numbers and booleans alike, and on Linux an integer
/// NSNumber even casts to Bool, so the stored C type decides: booleans are `c`, fractional and
/// huge numbers `d`, and unsigned 64-bit numbers `Q` may not fit in `Int`.
private func jsonInteger(_ value: Any) -> Int? {
    guard let number = value as? NSNumber, !(value is NSDecimalNumber) else { return nil }
    switch String(cString: number.objCType) {
    case "c", "C", "B", "d", "f":
        return nil
    case "Q", "L":
        return number.uint64Value <= UInt64(Int.max) ? Int(number.uint64Value) : nil
    default:
        return Int(exactly: number.int64Value)
    }
}

/// A JSON value written back as JSON for an error message, shortened to stay on one line.
///
/// Arrays are written `[2, 3]`, as the offsets are in messages; objects are compact with sorted keys.
private func jsonText(_ value: Any) -> String {
    let text: String
    if let array = value as? [Any] {
        text = "[" + array.map(jsonText).joined(separator: ", ") + "]"
    } else if let number = value as? NSNumber, ["d", "f"].contains(String(cString: number.objCType)) {
        // A fractional number as such: 12.0 shown as 12 would read as a valid size.
        text = String(number.doubleValue)
    } else if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
        text = String(decoding: data, as: UTF8.self)
    } else {
        text = String(describing: value)
    }
    return text.count > 60 ? String(text.prefix(57)) + "..." : text
}
