import Foundation

// Both formats store little-endian scalars at arbitrary (possibly unaligned) byte offsets, so
// reads go through `loadUnaligned` and a byte-order conversion that is free on little-endian
// hosts.

/// `count` little-endian integers of type `T` read from `bytes` starting at byte `offset`.
///
/// The caller has checked that the range lies inside `bytes`.
func loadLittleEndian<T: FixedWidthInteger>(
    _ type: T.Type, count: Int, from bytes: UnsafeRawBufferPointer, at offset: Int
) -> [T] {
    let stride = MemoryLayout<T>.size
    precondition(offset >= 0 && count >= 0 && offset + count * stride <= bytes.count)
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        for i in 0..<count {
            buffer[i] = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + i * stride, as: T.self))
        }
        initialized = count
    }
}

/// Appends `value` to `data` as its little-endian bytes.
func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to data: inout Data) {
    withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
}

/// Appends `values` to `data` as consecutive little-endian IEEE 754 binary32 numbers.
func appendLittleEndian(_ values: [Float], to data: inout Data) {
    let words = values.map { $0.bitPattern.littleEndian }
    words.withUnsafeBytes { data.append(contentsOf: $0) }
}
