import GRUFormats
import GRUTensor

/// An ONNX model under construction: appends nodes named after the value they compute, and
/// constant initializers, so that the export reads as a list of operations.
struct ONNXGraphBuilder {
    /// The model built so far.
    var model: ONNXModel

    /// A builder of an empty graph importing the default operator set at `opsetVersion`.
    init(opsetVersion: Int64, graphName: String) {
        model = ONNXModel(opsetImports: ["": opsetVersion], graphName: graphName)
    }

    /// Appends a node of `opType` computing `output` from `inputs`; returns `output`.
    @discardableResult
    mutating func add(
        _ opType: String, _ inputs: [String], output: String, attributes: [String: ONNXAttribute] = [:]
    ) -> String {
        model.nodes.append(
            ONNXNode(
                name: "\(opType)_\(output)", opType: opType, inputs: inputs, outputs: [output],
                attributes: attributes))
        return output
    }

    /// Appends an initializer named `name` holding `value`; returns `name`.
    @discardableResult
    mutating func constant(_ name: String, _ value: ONNXTensor) -> String {
        model.initializers.append(.init(name: name, value: value))
        return name
    }

    /// Appends a FLOAT vector initializer; returns `name`.
    @discardableResult
    mutating func constant(_ name: String, floats: [Float]) -> String {
        constant(name, .float(Tensor(shape: [floats.count], scalars: floats)))
    }

    /// Appends an INT64 initializer, a vector or, with `shape` [], a scalar; returns `name`.
    @discardableResult
    mutating func constant(_ name: String, int64s: [Int64], shape: [Int]? = nil) -> String {
        constant(name, .int64(int64s, shape: shape))
    }
}
