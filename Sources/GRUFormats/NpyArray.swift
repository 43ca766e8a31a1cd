import GRUTensor

/// The element types GRUFormats reads from .npy files, all little-endian.
public enum NpyElementType: String, Sendable, CaseIterable {
    /// 32-bit IEEE 754 floating point, descriptor `<f4`.
    case float32
    /// 64-bit IEEE 754 floating point, descriptor `<f8`.
    case float64
    /// 32-bit signed integer, descriptor `<i4`.
    case int32
    /// 64-bit signed integer, descriptor `<i8`.
    case int64

    /// The numpy dtype descriptor, such as `<f4`.
    public var descriptor: String {
        switch self {
        case .float32: return "<f4"
        case .float64: return "<f8"
        case .int32: return "<i4"
        case .int64: return "<i8"
        }
    }

    /// The size of one element in bytes.
    public var byteCount: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        }
    }

    /// The element type with the given numpy descriptor, or nil for any other.
    init?(descriptor: String) {
        guard let type = Self.allCases.first(where: { $0.descriptor == descriptor }) else { return nil }
        self = type
    }

    /// The accepted descriptors as a list for error messages.
    static var supportedDescriptions: String {
        allCases.map { "'\($0.descriptor)'" }.joined(separator: ", ")
    }
}

/// An array read from a .npy file: its shape, element type and elements in row-major order.
///
/// Elements keep their stored type, so integer arrays (labels, lengths) come back exactly
/// through `integers()`, and any array converts to a Float tensor through `floatTensor()`.
public struct NpyArray: Sendable {
    /// The elements in their stored type.
    enum Elements: Sendable {
        case float32([Float])
        case float64([Double])
        case int32([Int32])
        case int64([Int64])
    }

    /// The name used for the array in error messages: its file path, or the name given to `Npy.decode`.
    public let name: String
    /// The extent of each dimension, outermost first.
    public let shape: [Int]
    /// The element type stored in the file.
    public let elementType: NpyElementType
    let elements: Elements

    init(name: String, shape: [Int], elements: Elements) {
        self.name = name
        self.shape = shape
        self.elements = elements
        switch elements {
        case .float32: elementType = .float32
        case .float64: elementType = .float64
        case .int32: elementType = .int32
        case .int64: elementType = .int64
        }
    }

    /// The number of elements, the product of `shape`.
    public var count: Int { shape.reduce(1, *) }

    /// The array as a Float tensor of the same shape.
    ///
    /// float64 elements are rounded to the nearest Float; integers convert exactly up to 2^24
    /// in magnitude and are rounded beyond.
    public func floatTensor() -> Tensor {
        let scalars: [Float]
        switch elements {
        case .float32(let values): scalars = values
        case .float64(let values): scalars = values.map { Float($0) }
        case .int32(let values): scalars = values.map { Float($0) }
        case .int64(let values): scalars = values.map { Float($0) }
        }
        return Tensor(shape: shape, scalars: scalars)
    }

    /// The elements of an integer array in row-major order.
    ///
    /// - Throws: `FormatError` naming the array when its element type is float32 or float64.
    public func integers() throws -> [Int] {
        switch elements {
        case .int32(let values): return values.map { Int($0) }
        case .int64(let values): return values.map { Int($0) }
        case .float32, .float64:
            throw FormatError(name, "array has dtype '\(elementType.descriptor)'; expected integers ('<i4' or '<i8')")
        }
    }
}
