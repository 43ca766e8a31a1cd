/// The safetensors dtypes GRUFormats reads, each converted to Float on load.
enum SafetensorsElementType: String, CaseIterable {
    case f32 = "F32"
    case f64 = "F64"
    case f16 = "F16"
    case bf16 = "BF16"
    case i8 = "I8"
    case i32 = "I32"
    case i64 = "I64"

    /// The size of one element in bytes.
    var byteCount: Int {
        switch self {
        case .i8: return 1
        case .f16, .bf16: return 2
        case .f32, .i32: return 4
        case .f64, .i64: return 8
        }
    }

    /// `count` elements of this type starting at byte `offset` of `bytes`, converted to Float.
    ///
    /// F64 rounds to the nearest Float; integers convert exactly up to 2^24 in magnitude.
    func floats(count: Int, from bytes: UnsafeRawBufferPointer, at offset: Int) -> [Float] {
        switch self {
        case .f32:
            return loadLittleEndian(UInt32.self, count: count, from: bytes, at: offset).map(Float.init(bitPattern:))
        case .f64:
            return loadLittleEndian(UInt64.self, count: count, from: bytes, at: offset).map {
                Float(Double(bitPattern: $0))
            }
        case .f16: return loadLittleEndian(UInt16.self, count: count, from: bytes, at: offset).map(floatFromHalfBits)
        case .bf16:
            return loadLittleEndian(UInt16.self, count: count, from: bytes, at: offset).map(floatFromBFloat16Bits)
        case .i8:
            return loadLittleEndian(UInt8.self, count: count, from: bytes, at: offset).map {
                Float(Int8(bitPattern: $0))
            }
        case .i32: return loadLittleEndian(Int32.self, count: count, from: bytes, at: offset).map { Float($0) }
        case .i64: return loadLittleEndian(Int64.self, count: count, from: bytes, at: offset).map { Float($0) }
        }
    }

    /// Whether the dtype holds integers, which no float parameter is stored as, except the
    /// int8 weights of a quantized model with their scales (`QuantizedTensors`).
    var isInteger: Bool { self == .i8 || self == .i32 || self == .i64 }

    /// The accepted dtypes as a list for error messages: `F32, F64, F16, BF16, I8, I32, I64`.
    static var supportedList: String {
        allCases.map(\.rawValue).joined(separator: ", ")
    }
}
