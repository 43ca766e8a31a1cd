/// The safetensors dtypes GRUFormats reads, each converted to Float on load.
enum SafetensorsElementType: String, CaseIterable {
    case F32, F64, F16, BF16, I32, I64

    /// The size of one element in bytes.
    var byteCount: Int {
        switch self {
        case .F16, .BF16: return 2
        case .F32, .I32: return 4
        case .F64, .I64: return 8
        }
    }

    /// `count` elements of this type starting at byte `offset` of `bytes`, converted to Float.
    ///
    /// F64 rounds to the nearest Float; integers convert exactly up to 2^24 in magnitude.
    func floats(count: Int, from bytes: UnsafeRawBufferPointer, at offset: Int) -> [Float] {
        switch self {
        case .F32: return loadLittleEndian(UInt32.self, count: count, from: bytes, at: offset).map(Float.init(bitPattern:))
        case .F64: return loadLittleEndian(UInt64.self, count: count, from: bytes, at: offset).map { Float(Double(bitPattern: $0)) }
        case .F16: return loadLittleEndian(UInt16.self, count: count, from: bytes, at: offset).map(floatFromHalfBits)
        case .BF16: return loadLittleEndian(UInt16.self, count: count, from: bytes, at: offset).map(floatFromBFloat16Bits)
        case .I32: return loadLittleEndian(Int32.self, count: count, from: bytes, at: offset).map { Float($0) }
        case .I64: return loadLittleEndian(Int64.self, count: count, from: bytes, at: offset).map { Float($0) }
        }
    }

    /// The accepted dtypes as a list for error messages: `F32, F64, F16, BF16, I32, I64`.
    static var supportedList: String {
        allCases.map(\.rawValue).joined(separator: ", ")
    }
}
