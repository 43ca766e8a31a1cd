import GRUTensor

/// The checks of user tensors that several layers and models share, each throwing a
/// `GRUInputError` that names the tensor.
package enum InputChecks {
    /// `lengths`, or T for each of the B sequences when nil, after checking that there is one
    /// per sequence and that each is in 1...T.
    static func validatedLengths(_ lengths: [Int]?, steps: Int, batch: Int) throws -> [Int] {
        guard let lengths else { return Array(repeating: steps, count: batch) }
        guard lengths.count == batch else {
            throw GRUInputError(
                .tensor("lengths"), found: "\(lengths.count) entries", expected: "one per sequence, \(batch)")
        }
        if let (index, bad) = lengths.enumerated().first(where: { !(1...steps).contains($0.element) }) {
            throw GRUInputError(
                .tensor("lengths"), found: "lengths[\(index)] is \(bad)",
                expected: "1...\(steps) (the sequence length T)")
        }
        return lengths
    }

    /// The error for a tensor named `name` that holds a NaN or an infinity.
    package static func nonFinite(_ name: String) -> GRUInputError {
        GRUInputError(.tensor(name), found: "NaN or infinite values", expected: "finite values")
    }

    /// The tensor `name` of `tensors`, after checking that it is there, has `shape` and holds
    /// finite values; `owner` (`for a GRU with ...`, or empty) ends what a message expects.
    package static func namedTensor(
        _ name: String, of tensors: [String: Tensor], shape: [Int], owner: String = ""
    ) throws -> Tensor {
        let suffix = owner.isEmpty ? "" : " " + owner
        guard let tensor = tensors[name] else {
            throw GRUInputError(.tensor(name), found: "missing", expected: "shape \(shape)" + suffix)
        }
        guard tensor.shape == shape else {
            throw GRUInputError(.tensor(name), found: "shape \(tensor.shape)", expected: "\(shape)" + suffix)
        }
        guard tensor.isFinite else { throw nonFinite(name) }
        return tensor
    }

    /// Throws unless every name in `names` is one of `expected`, listing those that are not.
    package static func expectNoOtherTensors(
        _ names: some Sequence<String>, expected: Set<String>, owner: String = ""
    ) throws {
        let extra = Set(names).subtracting(expected)
        guard extra.isEmpty else {
            throw GRUInputError(
                .tensor("unexpected tensors"), found: listForMessage(extra.sorted()),
                expected: "only the tensors" + (owner.isEmpty ? " of the model" : " " + owner))
        }
    }

    /// The values of `expected`'s tensors (name and shape) taken from `tensors`, concatenated
    /// in `expected`'s order: a flat parameter buffer read from a file.
    ///
    /// - Throws: `GRUInputError` naming a missing, misshapen or extra tensor.
    package static func flatParameters(
        _ expected: [(name: String, tensor: Tensor)], from tensors: [String: Tensor]
    ) throws -> [Float] {
        var values: [Float] = []
        values.reserveCapacity(expected.reduce(0) { $0 + $1.tensor.count })
        for (name, tensor) in expected {
            values += try namedTensor(name, of: tensors, shape: tensor.shape).scalars
        }
        try expectNoOtherTensors(tensors.keys, expected: Set(expected.map(\.name)))
        return values
    }
}
