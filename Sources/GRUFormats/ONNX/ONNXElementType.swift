/// The element type of an ONNX tensor: the `TensorProto.DataType` number a file stores.
///
/// Only FLOAT, INT32 and INT64 tensors are read and written; the other names are here so that an
/// error can say what a file holds.
public struct ONNXElementType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The `TensorProto.DataType` number, such as 1 for FLOAT.
    public var rawValue: Int32

    /// The element type with the given `TensorProto.DataType` number.
    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// IEEE 754 binary32, GRUKit's `Float`.
    public static let float = ONNXElementType(rawValue: 1)
    /// 32-bit signed integers (what the GRU operator's `sequence_lens` holds).
    public static let int32 = ONNXElementType(rawValue: 6)
    /// 64-bit signed integers (shapes and axes).
    public static let int64 = ONNXElementType(rawValue: 7)

    /// The name onnx.proto gives the type, such as `DOUBLE`, or `data type 42` for an unknown one.
    public var description: String {
        let names: [Int32: String] = [
            0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64",
            8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64",
            15: "COMPLEX128", 16: "BFLOAT16",
        ]
        return names[rawValue] ?? "data type \(rawValue)"
    }
}
