import GRUTensor

/// One named parameter tensor of a layer, placed within that layer's slice of a model's flat
/// parameter buffer.
public struct LayerParameterSlot: Equatable, Hashable, Sendable {
    /// The tensor's PyTorch name within its module, such as `weight` or `bias`.
    public let name: String
    /// The tensor's shape in PyTorch layout.
    public let shape: [Int]
    /// The index of its first element within the layer's slice.
    public let offset: Int

    /// A slot for the tensor `name` of the given shape at `offset` in the slice.
    public init(name: String, shape: [Int], offset: Int) {
        self.name = name
        self.shape = shape
        self.offset = offset
    }

    /// Its number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Its index range within the layer's slice.
    public var range: Range<Int> { offset..<(offset + count) }
}

/// A layer whose parameters occupy one contiguous slice of a model's flat parameter buffer (and
/// whose gradients occupy the same slice of the parallel gradient buffer).
///
/// The model lays its layers' slices end to end; each layer only sees its own slice, through the
/// `weights:` and `gradients:` arguments of its forward and backward.
public protocol ParameterizedLayer: Sendable {
    /// The named tensors in slice order, with PyTorch names, shapes and layout.
    var parameterSlots: [LayerParameterSlot] { get }

    /// Draws fresh parameters into `slice`, which holds `parameterCount` elements.
    ///
    /// - Parameters:
    ///   - slice: this layer's part of the flat parameter buffer.
    ///   - generator: the source of randomness; the same state gives the same values.
    ///   - scheme: `.pytorch` for PyTorch's defaults, `.keras` for Keras's.
    func initialize(
        _ slice: UnsafeMutableBufferPointer<Float>, using generator: inout SeededGenerator,
        as scheme: GRUInitialization)
}

extension ParameterizedLayer {
    /// The number of parameters, the length of the layer's slice.
    public var parameterCount: Int { parameterSlots.last.map { $0.offset + $0.count } ?? 0 }

    /// Draws fresh parameters into `slice` with PyTorch's default initialization.
    public func initialize(
        _ slice: UnsafeMutableBufferPointer<Float>, using generator: inout SeededGenerator
    ) {
        initialize(slice, using: &generator, as: .pytorch)
    }

    /// The slot with the given PyTorch name, or nil when the layer has no such tensor.
    public func slot(named name: String) -> LayerParameterSlot? {
        parameterSlots.first { $0.name == name }
    }
}

// MARK: - Initialization helpers

extension UnsafeMutableBufferPointer<Float> {
    /// Fills `range` with uniform samples in [-bound, bound), in index order.
    func fillUniform(_ range: Range<Int>, bound: Float, using generator: inout SeededGenerator) {
        for i in range { self[i] = generator.uniform(-bound, bound) }
    }

    /// Sets every element in `range` to `value`.
    func fill(_ range: Range<Int>, with value: Float) {
        for i in range { self[i] = value }
    }
}
