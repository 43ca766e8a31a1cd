import Foundation
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUFormats

/// The ONNX codec: encoding then decoding keeps every node, attribute, tensor bit, input,
/// output and metadata entry; malformed files are one-line `FormatError`s naming the file and
/// the tensor or node.
@Suite(.tags(.unit))
struct ONNXModelTests {
    /// A model that uses every kind of attribute, tensor and dimension the codec keeps.
    static func sampleModel() -> ONNXModel {
        let weights = Tensor(shape: [2, 3, 2], scalars: awkwardScalars(count: 12))
        return ONNXModel(
            fileName: "sample.onnx", opsetImports: ["": 14, "com.example": 1], producerVersion: "0.1",
            graphName: "sample",
            nodes: [
                ONNXNode(
                    name: "first", opType: "GRU", inputs: ["input", "W", "", ""], outputs: ["Y", "Y_h"],
                    attributes: [
                        "hidden_size": .int(3), "clip": .float(-0.5), "direction": .string("bidirectional"),
                        "axes": .ints([0, -1]), "activation_alpha": .floats([0.25, .infinity]),
                        "activations": .strings(["Sigmoid", "Tanh", "ü"]),
                        "value": .tensor(.int64([1, -2, .max])),
                    ]),
                ONNXNode(name: "", opType: "Custom", domain: "com.example", inputs: ["Y"], outputs: ["out"]),
            ],
            initializers: [
                .init(name: "W", value: .float(weights)),
                .init(name: "scalar", value: .float(Tensor(shape: [], scalars: [-0.0]))),
                .init(name: "shape", value: .int64([0, 0, -1])),
                .init(name: "lengths", value: .integer(shape: [2], values: [3, -4], elementType: .int32)),
                .init(name: "empty", value: .float(Tensor(shape: [0, 4], scalars: []))),
            ],
            inputs: [
                ONNXValueInfo(name: "input", elementType: .float, dimensions: [.symbolic("T"), .unknown, .fixed(2)]),
                ONNXValueInfo(name: "any", elementType: .int64, dimensions: nil),
            ],
            outputs: [ONNXValueInfo(name: "out", elementType: .float, dimensions: [])],
            metadata: ["variant": "reset-after", "labels": "a,b"])
    }

    @Test func encodingThenDecodingKeepsEverything() throws {
        let model = Self.sampleModel()
        let decoded = try ONNXModel(decoding: model.encoded(), name: "sample.onnx")
        // NaN != NaN, so the weights are compared bit for bit and the rest with ==.
        guard case .float(let weights) = try #require(decoded.initializer(named: "W")) else {
            Issue.record("W is not a float tensor")
            return
        }
        #expect(weights.shape == [2, 3, 2])
        expectBitIdentical(weights.scalars, awkwardScalars(count: 12))
        var withoutWeights = decoded
        var expected = model
        withoutWeights.initializers.removeFirst()
        expected.initializers.removeFirst()
        #expect(withoutWeights == expected)
        #expect(decoded.opsetVersion == 14)
        #expect(decoded.initializers.map(\.name) == ["W", "scalar", "shape", "lengths", "empty"])
    }

    @Test func encodingIsDeterministic() {
        #expect(Self.sampleModel().encoded() == Self.sampleModel().encoded())
    }

    @Test func readsTypedFieldsAsWellAsRawData() throws {
        var tensor = Onnx_TensorProto()
        tensor.name = "typed"
        tensor.dims = [2, 2]
        tensor.dataType = 1
        tensor.floatData = [1, -2, 3.5, 0]
        var integers = Onnx_TensorProto()
        integers.name = "axes"
        integers.dims = [2]
        integers.dataType = 7
        integers.int64Data = [0, -1]
        let model = try ONNXModel(decoding: Self.modelBytes(initializers: [tensor, integers]), name: "typed.onnx")
        #expect(model.initializer(named: "typed") == .float(Tensor(shape: [2, 2], scalars: [1, -2, 3.5, 0])))
        #expect(model.initializer(named: "axes") == .int64([0, -1]))
    }

    @Test func writesAtomicallyAndReadsBack() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let url = directory.appendingPathComponent("model.onnx")
        try Self.sampleModel().write(to: url)
        let read = try ONNXModel.read(contentsOf: url)
        #expect(read.fileName == url.path)
        #expect(read.nodes == Self.sampleModel().nodes)
        expectFormatError(subject: directory.path, containing: ["Is a directory"]) {
            try Self.sampleModel().write(to: directory)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.onnx"])
    }

    // MARK: - Malformed files

    @Test func garbageIsOneLineError() {
        expectFormatError(subject: "bad.onnx", containing: ["is not an ONNX model", "protobuf"]) {
            _ = try ONNXModel(decoding: Data([0xFF, 0xFF, 0xFF, 0xFF, 0x0F]), name: "bad.onnx")
        }
        expectFormatError(subject: "empty.onnx", containing: ["is not an ONNX model", "no graph"]) {
            _ = try ONNXModel(decoding: Data(), name: "empty.onnx")
        }
    }

    @Test func everyTruncationIsAnErrorOrAModelNeverATrap() {
        let bytes = Self.sampleModel().encoded()
        for length in 0..<bytes.count {
            do {
                _ = try ONNXModel(decoding: bytes.prefix(length), name: "cut.onnx")
            } catch let error as FormatError {
                #expect(error.subject == "cut.onnx" && !error.description.contains("\n"))
            } catch {
                Issue.record("length \(length): \(error)")
            }
        }
    }

    @Test func otherDataTypesNameTheTensor() {
        var tensor = Onnx_TensorProto()
        tensor.name = "W_double"
        tensor.dims = [1]
        tensor.dataType = 11
        tensor.rawData = Data(count: 8)
        expectFormatError(
            subject: "double.onnx", containing: ["initializer 'W_double'", "data type DOUBLE", "expected FLOAT"]
        ) {
            _ = try ONNXModel(decoding: Self.modelBytes(initializers: [tensor]), name: "double.onnx")
        }
    }

    @Test func sizesThatDisagreeWithTheShapeAreErrors() {
        var short = Onnx_TensorProto()
        short.name = "R"
        short.dims = [2, 3]
        short.dataType = 1
        short.rawData = Data(count: 20)
        expectFormatError(subject: "short.onnx", containing: ["initializer 'R'", "20 bytes", "expected 6 FLOAT"]) {
            _ = try ONNXModel(decoding: Self.modelBytes(initializers: [short]), name: "short.onnx")
        }
        var huge = Onnx_TensorProto()
        huge.name = "B"
        huge.dims = [1 << 40, 1 << 40, 0]
        huge.dataType = 1
        expectFormatError(subject: "huge.onnx", containing: ["initializer 'B'", "too many elements"]) {
            _ = try ONNXModel(decoding: Self.modelBytes(initializers: [huge]), name: "huge.onnx")
        }
        var negative = Onnx_TensorProto()
        negative.name = "N"
        negative.dims = [-1]
        negative.dataType = 1
        expectFormatError(subject: "negative.onnx", containing: ["initializer 'N'", "negative"]) {
            _ = try ONNXModel(decoding: Self.modelBytes(initializers: [negative]), name: "negative.onnx")
        }
        var external = Onnx_TensorProto()
        external.name = "E"
        external.dataType = 1
        external.dataLocation = .external
        expectFormatError(subject: "external.onnx", containing: ["initializer 'E'", "external file"]) {
            _ = try ONNXModel(decoding: Self.modelBytes(initializers: [external]), name: "external.onnx")
        }
    }

    @Test func duplicatesAreErrors() {
        var tensor = Onnx_TensorProto()
        tensor.name = "W"
        tensor.dataType = 1
        tensor.floatData = [1]
        expectFormatError(subject: "twice.onnx", containing: ["two initializers named 'W'"]) {
            _ = try ONNXModel(decoding: Self.modelBytes(initializers: [tensor, tensor]), name: "twice.onnx")
        }
        var node = ONNXNode(name: "n", opType: "GRU", inputs: [], outputs: []).encoded()
        node.attribute = [ONNXAttribute.int(1).encoded(name: "k"), ONNXAttribute.int(2).encoded(name: "k")]
        var proto = Self.modelProto(initializers: [])
        proto.graph.node = [node]
        expectFormatError(subject: "attr.onnx", containing: ["node 'n' (GRU)", "attribute 'k' twice"]) {
            _ = try ONNXModel(decoding: try proto.serializedBytes(), name: "attr.onnx")
        }
    }

    /// A model whose one node, a Loop named `name`, has a graph attribute `body`.
    static func loopModel(named name: String) throws -> Data {
        var attribute = Onnx_AttributeProto()
        attribute.name = "body"
        attribute.type = .graph
        var node = ONNXNode(name: name, opType: "Loop", inputs: [], outputs: []).encoded()
        node.attribute = [attribute]
        var proto = Self.modelProto(initializers: [])
        proto.graph.node = [node]
        return try proto.serializedBytes()
    }

    @Test func graphAttributesAreErrors() throws {
        let bytes = try Self.loopModel(named: "loop")
        expectFormatError(subject: "loop.onnx", containing: ["node 'loop' (Loop)", "attribute 'body'", "graph"]) {
            _ = try ONNXModel(decoding: bytes, name: "loop.onnx")
        }
    }

    @Test func namesFromTheFileCannotBreakTheLine() throws {
        let bytes = try Self.loopModel(named: "two\nlines\u{2028}")
        expectFormatError(subject: "lines.onnx", containing: [#"node 'two\nlines\u{2028}' (Loop)"#]) {
            _ = try ONNXModel(decoding: bytes, name: "lines.onnx")
        }
    }

    // MARK: - Helpers

    static func modelProto(initializers: [Onnx_TensorProto]) -> Onnx_ModelProto {
        var proto = Onnx_ModelProto()
        proto.irVersion = 8
        proto.graph.name = "g"
        proto.graph.initializer = initializers
        return proto
    }

    static func modelBytes(initializers: [Onnx_TensorProto]) throws -> Data {
        try modelProto(initializers: initializers).serializedBytes()
    }
}
