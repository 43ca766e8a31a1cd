import Foundation

/// The value of one attribute of an ONNX node, such as GRU's `hidden_size` or `direction`.
///
/// Graph, sparse-tensor and type attributes are not read: a node that has one is an error.
public enum ONNXAttribute: Equatable, Sendable {
    /// `INT`.
    case int(Int64)
    /// `FLOAT`.
    case float(Float)
    /// `STRING`, decoded as UTF-8.
    case string(String)
    /// `INTS`.
    case ints([Int64])
    /// `FLOATS`.
    case floats([Float])
    /// `STRINGS`, each decoded as UTF-8.
    case strings([String])
    /// `TENSOR` (a `Constant` node's `value`).
    case tensor(ONNXTensor)
}

// MARK: - Protobuf

extension ONNXAttribute {
    /// The value an `AttributeProto` holds, chosen by its `type`.
    ///
    /// - Throws: `FormatError` naming the file, the node and the attribute for a type GRUKit
    ///   does not read or a tensor it cannot decode.
    init(decoding proto: Onnx_AttributeProto, node: String, fileName: String) throws {
        let what = "\(node): attribute '\(proto.name)'"
        switch proto.type {
        case .int: self = .int(proto.i)
        case .float: self = .float(proto.f)
        case .string: self = .string(String(decoding: proto.s, as: UTF8.self))
        case .ints: self = .ints(proto.ints)
        case .floats: self = .floats(proto.floats)
        case .strings: self = .strings(proto.strings.map { String(decoding: $0, as: UTF8.self) })
        case .tensor: self = .tensor(try ONNXTensor(decoding: proto.t, what: "\(what) tensor", fileName: fileName))
        default:
            throw FormatError(
                fileName, "\(what) has type \(proto.type); expected a number, a string, a list of either or a tensor")
        }
    }

    /// The attribute as an `AttributeProto` named `name`.
    func encoded(name: String) -> Onnx_AttributeProto {
        var proto = Onnx_AttributeProto()
        proto.name = name
        switch self {
        case .int(let value): (proto.type, proto.i) = (.int, value)
        case .float(let value): (proto.type, proto.f) = (.float, value)
        case .string(let value): (proto.type, proto.s) = (.string, Data(value.utf8))
        case .ints(let values): (proto.type, proto.ints) = (.ints, values)
        case .floats(let values): (proto.type, proto.floats) = (.floats, values)
        case .strings(let values): (proto.type, proto.strings) = (.strings, values.map { Data($0.utf8) })
        case .tensor(let tensor): (proto.type, proto.t) = (.tensor, tensor.encoded(name: ""))
        }
        return proto
    }
}
