import Foundation
import GRUTensor

/// A tensor held by an ONNX file (an initializer or a `Constant`'s value): float32 values as a
/// `Tensor`, or INT32 and INT64 values as `Int64`s.
public enum ONNXTensor: Equatable, Sendable {
    /// A FLOAT tensor.
    case float(Tensor)
    /// An INT32 or INT64 tensor: its shape, its values in row-major order and which of the two
    /// it is stored as.
    case integer(shape: [Int], values: [Int64], elementType: ONNXElementType)

    /// An INT64 tensor of the given shape (a vector of `values` by default).
    public static func int64(_ values: [Int64], shape: [Int]? = nil) -> ONNXTensor {
        .integer(shape: shape ?? [values.count], values: values, elementType: .int64)
    }

    /// The extent of each dimension.
    public var shape: [Int] {
        switch self {
        case .float(let tensor): tensor.shape
        case .integer(let shape, _, _): shape
        }
    }

    /// The element type the tensor is stored as.
    public var elementType: ONNXElementType {
        switch self {
        case .float: .float
        case .integer(_, _, let elementType): elementType
        }
    }
}

// MARK: - Protobuf

extension ONNXTensor {
    /// The tensor a `TensorProto` holds, from `raw_data` (little-endian) or the typed field.
    ///
    /// - Throws: `FormatError` naming the file and the tensor when its data type is not FLOAT,
    ///   INT32 or INT64, its data is external, a dimension is negative, or it holds a different
    ///   number of elements than its shape says.
    init(decoding proto: Onnx_TensorProto, what: String, fileName: String) throws {
        func failure(_ problem: String) -> FormatError { FormatError(fileName, "\(what) \(problem)") }
        if proto.dataLocation == .external || !proto.externalData.isEmpty {
            throw failure("keeps its data in an external file; expected the data inside the model")
        }
        if proto.hasSegment { throw failure("is a segment of a tensor; expected a whole tensor") }
        var shape: [Int] = []
        var count = 1
        for dimension in proto.dims {
            guard dimension >= 0, let extent = Int(exactly: dimension) else {
                throw failure("has the dimensions \(proto.dims); expected none negative")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw failure("has the dimensions \(proto.dims), too many elements to count") }
            shape.append(extent)
            count = product
        }
        let elementType = ONNXElementType(rawValue: proto.dataType)
        guard [.float, .int32, .int64].contains(elementType) else {
            throw failure("has data type \(elementType); expected FLOAT, INT32 or INT64")
        }
        let width = elementType == .int64 ? 8 : 4
        if proto.hasRawData {
            guard proto.rawData.count / width == count, proto.rawData.count % width == 0 else {
                throw failure(
                    "has \(proto.rawData.count) bytes of raw data; expected \(count) \(elementType) values "
                        + "for the dimensions \(shape)")
            }
        }
        func typedCount(_ found: Int) throws {
            guard found == count else {
                throw failure("holds \(found) values; expected \(count) for the dimensions \(shape)")
            }
        }
        let raw = proto.hasRawData ? proto.rawData : nil
        switch elementType {
        case .float:
            if let raw {
                let words = raw.withUnsafeBytes { loadLittleEndian(UInt32.self, count: count, from: $0, at: 0) }
                self = .float(Tensor(shape: shape, scalars: words.map(Float.init(bitPattern:))))
            } else {
                try typedCount(proto.floatData.count)
                self = .float(Tensor(shape: shape, scalars: proto.floatData))
            }
        case .int32:
            if let raw {
                let values = raw.withUnsafeBytes { loadLittleEndian(Int32.self, count: count, from: $0, at: 0) }
                self = .integer(shape: shape, values: values.map(Int64.init), elementType: .int32)
            } else {
                try typedCount(proto.int32Data.count)
                self = .integer(shape: shape, values: proto.int32Data.map(Int64.init), elementType: .int32)
            }
        case .int64:
            if let raw {
                let values = raw.withUnsafeBytes { loadLittleEndian(Int64.self, count: count, from: $0, at: 0) }
                self = .integer(shape: shape, values: values, elementType: .int64)
            } else {
                try typedCount(proto.int64Data.count)
                self = .integer(shape: shape, values: proto.int64Data, elementType: .int64)
            }
        default:
            preconditionFailure("unchecked element type \(elementType)")
        }
    }

    /// The tensor as a `TensorProto` named `name`, its values in little-endian `raw_data`.
    func encoded(name: String) -> Onnx_TensorProto {
        var proto = Onnx_TensorProto()
        proto.name = name
        proto.dims = shape.map(Int64.init)
        proto.dataType = elementType.rawValue
        var raw = Data()
        switch self {
        case .float(let tensor):
            appendLittleEndian(tensor.scalars, to: &raw)
        case .integer(_, let values, let elementType):
            for value in values {
                if elementType == .int32 {
                    appendLittleEndian(Int32(truncatingIfNeeded: value), to: &raw)
                } else {
                    appendLittleEndian(value, to: &raw)
                }
            }
        }
        proto.rawData = raw
        return proto
    }
}
