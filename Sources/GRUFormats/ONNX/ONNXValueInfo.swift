/// A graph input or output of an ONNX model: a name, an element type and a shape whose
/// dimensions may be symbolic (`T`, `batch`).
public struct ONNXValueInfo: Equatable, Sendable {
    /// One dimension of a value's shape.
    public enum Dimension: Hashable, Sendable {
        /// A fixed extent.
        case fixed(Int)
        /// An extent known only at run time, named so that equal names are equal extents.
        case symbolic(String)
        /// An extent neither fixed nor named.
        case unknown
    }

    /// The value's name in the graph.
    public var name: String
    /// The element type of the tensor.
    public var elementType: ONNXElementType
    /// The dimensions, outermost first; nil when the file does not give the rank.
    public var dimensions: [Dimension]?

    /// A tensor value of the given element type and shape.
    public init(name: String, elementType: ONNXElementType, dimensions: [Dimension]?) {
        self.name = name
        self.elementType = elementType
        self.dimensions = dimensions
    }
}

// MARK: - Protobuf

extension ONNXValueInfo {
    /// The value a `ValueInfoProto` describes.
    ///
    /// - Throws: `FormatError` naming the file and the value when it is not a tensor.
    init(decoding proto: Onnx_ValueInfoProto, role: String, fileName: String) throws {
        guard case .tensorType(let tensorType) = proto.type.value else {
            throw FormatError(fileName, "\(role) '\(proto.name)' is not a tensor; expected a tensor")
        }
        let dimensions = tensorType.shape.dim.map { dimension -> Dimension in
            switch dimension.value {
            case .dimValue(let extent): Int(exactly: extent).map(Dimension.fixed) ?? .unknown
            case .dimParam(let name): .symbolic(name)
            case nil: .unknown
            }
        }
        self.init(
            name: proto.name, elementType: ONNXElementType(rawValue: tensorType.elemType),
            dimensions: tensorType.hasShape ? dimensions : nil)
    }

    /// The value as a `ValueInfoProto`.
    func encoded() -> Onnx_ValueInfoProto {
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = elementType.rawValue
        if let dimensions {
            var shape = Onnx_TensorShapeProto()
            shape.dim = dimensions.map { dimension in
                var proto = Onnx_TensorShapeProto.Dimension()
                switch dimension {
                case .fixed(let extent): proto.dimValue = Int64(extent)
                case .symbolic(let name): proto.dimParam = name
                case .unknown: break
                }
                return proto
            }
            tensorType.shape = shape
        }
        var proto = Onnx_ValueInfoProto()
        proto.name = name
        proto.type.tensorType = tensorType
        return proto
    }
}
