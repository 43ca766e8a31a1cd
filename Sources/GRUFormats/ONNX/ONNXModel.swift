import Foundation
import GRUTensor
import SwiftProtobuf

/// An ONNX model file (`ModelProto`): its graph's nodes, initializers, inputs and outputs, the
/// operator sets it imports and its `metadata_props`.
///
/// This is the codec only: it moves nodes and named tensors and knows nothing of layers
/// (GRUNetworks' Interop/ONNXGRU.swift maps GRU nodes to GRU parameters). Initializers are read
/// as FLOAT, INT32 or INT64 tensors from `raw_data` (little-endian) or the typed fields; they
/// are written as `raw_data`. Functions, training information, sparse initializers and
/// `value_info` are not kept.
public struct ONNXModel: Equatable, Sendable {
    /// A named tensor stored in the graph.
    public struct Initializer: Equatable, Sendable {
        /// The value name nodes read it by.
        public var name: String
        /// Its contents.
        public var value: ONNXTensor

        /// An initializer.
        public init(name: String, value: ONNXTensor) {
            self.name = name
            self.value = value
        }
    }

    /// The name used for this model in error messages: the path it was read from, or the one given.
    public var fileName: String
    /// The ONNX IR version (8 for opsets up to 18).
    public var irVersion: Int64
    /// The operator set version by domain; the default domain `ai.onnx` is the empty string.
    public var opsetImports: [String: Int64]
    /// The tool that wrote the file.
    public var producerName: String
    /// The version of that tool.
    public var producerVersion: String
    /// The graph's name.
    public var graphName: String
    /// The nodes in the file's order (ONNX requires a topological order).
    public var nodes: [ONNXNode]
    /// The initializers in the file's order.
    public var initializers: [Initializer]
    /// The graph's inputs (in files of IR version 3 they may list initializers too).
    public var inputs: [ONNXValueInfo]
    /// The graph's outputs.
    public var outputs: [ONNXValueInfo]
    /// `metadata_props`, key to value.
    public var metadata: [String: String]

    /// A model; `opsetImports` should name the default domain's version.
    public init(
        fileName: String = "ONNX model", irVersion: Int64 = 8, opsetImports: [String: Int64],
        producerName: String = "GRUKit", producerVersion: String = "", graphName: String = "graph",
        nodes: [ONNXNode] = [], initializers: [Initializer] = [], inputs: [ONNXValueInfo] = [],
        outputs: [ONNXValueInfo] = [], metadata: [String: String] = [:]
    ) {
        self.fileName = fileName
        self.irVersion = irVersion
        self.opsetImports = opsetImports
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.graphName = graphName
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
        self.metadata = metadata
    }

    /// The version of the default operator set (`ai.onnx`), or nil when the model imports none.
    public var opsetVersion: Int64? { opsetImports[""] ?? opsetImports["ai.onnx"] }

    /// The initializer with the given name, or nil when there is none.
    public func initializer(named name: String) -> ONNXTensor? {
        initializers.first { $0.name == name }?.value
    }

    /// The model in the file at `url`.
    ///
    /// - Throws: `FormatError` naming the file when it cannot be read or is not a valid ONNX
    ///   model (see `init(decoding:name:)`).
    public static func read(contentsOf url: URL) throws -> ONNXModel {
        try ONNXModel(decoding: readContents(of: url), name: displayName(of: url))
    }

    /// Writes the model to `url` atomically (see `writeAtomically`).
    ///
    /// - Throws: `FormatError` naming the path when the file cannot be written.
    public func write(to url: URL) throws {
        try writeAtomically(encoded(), to: url)
    }

    /// The model decoded from the bytes of an ONNX file.
    ///
    /// - Throws: `FormatError` naming `name` when the bytes are not a protobuf `ModelProto`,
    ///   have no graph or IR version, or hold a tensor, attribute, input or output that
    ///   cannot be read, or two initializers or metadata entries of the same name.
    public init(decoding data: Data, name: String) throws {
        do {
            try self.init(decodingUnescaped: data, name: name)
        } catch let error as FormatError {
            throw error.escapingControlCharacters
        }
    }

    private init(decodingUnescaped data: Data, name: String) throws {
        let proto: Onnx_ModelProto
        do {
            proto = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw FormatError(name, "is not an ONNX model (the protobuf does not decode: \(error))")
        }
        guard proto.irVersion > 0, proto.hasGraph else {
            throw FormatError(
                name,
                "is not an ONNX model (IR version \(proto.irVersion), "
                    + (proto.hasGraph ? "a graph" : "no graph") + "); expected an IR version and a graph")
        }
        var opsetImports: [String: Int64] = [:]
        for opset in proto.opsetImport {
            opsetImports[opset.domain] = opset.version
        }
        let graph = proto.graph
        self.init(
            fileName: name, irVersion: proto.irVersion, opsetImports: opsetImports, producerName: proto.producerName,
            producerVersion: proto.producerVersion, graphName: graph.name)
        nodes = try graph.node.map { try ONNXNode(decoding: $0, fileName: name) }
        var seen: Set<String> = []
        for tensor in graph.initializer {
            guard seen.insert(tensor.name).inserted else {
                throw FormatError(name, "has two initializers named '\(tensor.name)'; expected one")
            }
            let value = try ONNXTensor(decoding: tensor, what: "initializer '\(tensor.name)'", fileName: name)
            initializers.append(Initializer(name: tensor.name, value: value))
        }
        inputs = try graph.input.map { try ONNXValueInfo(decoding: $0, role: "graph input", fileName: name) }
        outputs = try graph.output.map { try ONNXValueInfo(decoding: $0, role: "graph output", fileName: name) }
        for entry in proto.metadataProps {
            guard metadata.updateValue(entry.value, forKey: entry.key) == nil else {
                throw FormatError(name, "has the metadata key '\(entry.key)' twice; expected it once")
            }
        }
    }

    /// The bytes of the ONNX file: metadata in key order, opsets in domain order.
    public func encoded() -> Data {
        var graph = Onnx_GraphProto()
        graph.name = graphName
        graph.node = nodes.map { $0.encoded() }
        graph.initializer = initializers.map { $0.value.encoded(name: $0.name) }
        graph.input = inputs.map { $0.encoded() }
        graph.output = outputs.map { $0.encoded() }
        var proto = Onnx_ModelProto()
        proto.irVersion = irVersion
        proto.producerName = producerName
        proto.producerVersion = producerVersion
        proto.opsetImport = opsetImports.sorted { $0.key < $1.key }.map { domain, version in
            var opset = Onnx_OperatorSetIdProto()
            opset.domain = domain
            opset.version = version
            return opset
        }
        proto.metadataProps = metadata.sorted { $0.key < $1.key }.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        proto.graph = graph
        do {
            return try proto.serializedBytes()
        } catch {
            // proto2 required fields are the only cause, and onnx.proto declares none.
            preconditionFailure("ModelProto does not serialize: \(error)")
        }
    }
}
