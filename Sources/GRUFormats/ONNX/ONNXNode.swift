/// One node of an ONNX graph: an operator applied to named values.
///
/// An empty input name stands for an optional input left out, as in ONNX.
public struct ONNXNode: Equatable, Sendable {
    /// The node's name (may be empty in files that others wrote).
    public var name: String
    /// The operator, such as `GRU` or `Transpose`.
    public var opType: String
    /// The operator set's domain; empty for the default `ai.onnx`.
    public var domain: String
    /// The names of the values the node reads, in the operator's order.
    public var inputs: [String]
    /// The names of the values the node produces, in the operator's order.
    public var outputs: [String]
    /// The attributes by name.
    public var attributes: [String: ONNXAttribute]

    /// A node; attributes are written in name order.
    public init(
        name: String, opType: String, domain: String = "", inputs: [String], outputs: [String],
        attributes: [String: ONNXAttribute] = [:]
    ) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    /// How errors name the node: `node 'GRU_0' (GRU)`.
    public var label: String { "node '\(name)' (\(opType))" }
}

// MARK: - Protobuf

extension ONNXNode {
    /// The node a `NodeProto` describes.
    ///
    /// - Throws: `FormatError` naming the file and the node for an attribute that cannot be
    ///   read or that appears twice.
    init(decoding proto: Onnx_NodeProto, fileName: String) throws {
        self.init(
            name: proto.name, opType: proto.opType, domain: proto.domain, inputs: proto.input, outputs: proto.output)
        for attribute in proto.attribute {
            let value = try ONNXAttribute(decoding: attribute, node: label, fileName: fileName)
            guard attributes.updateValue(value, forKey: attribute.name) == nil else {
                throw FormatError(fileName, "\(label) has the attribute '\(attribute.name)' twice; expected it once")
            }
        }
    }

    /// The node as a `NodeProto`.
    func encoded() -> Onnx_NodeProto {
        var proto = Onnx_NodeProto()
        proto.name = name
        proto.opType = opType
        proto.domain = domain
        proto.input = inputs
        proto.output = outputs
        proto.attribute = attributes.sorted { $0.key < $1.key }.map { $0.value.encoded(name: $0.key) }
        return proto
    }
}
