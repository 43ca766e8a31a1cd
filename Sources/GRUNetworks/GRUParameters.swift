import GRUTensor

/// The four kinds of parameter tensor in each layer and direction of a GRU.
public enum GRUParameterRole: CaseIterable, Sendable {
    /// W_ih: (3H, I_layer), rows r, z, n.
    case inputWeight
    /// W_hh: (3H, H), rows r, z, n.
    case recurrentWeight
    /// b_ih: (3H).
    case inputBias
    /// b_hh: (3H).
    case recurrentBias
}

/// Where one parameter tensor sits in the flat buffer.
public struct GRUParameterSlot: Equatable, Sendable {
    /// Which tensor this is.
    public let role: GRUParameterRole
    /// The layer, from 0.
    public let layer: Int
    /// 0 for forward time, 1 for the reverse direction.
    public let direction: Int
    /// The tensor's shape.
    public let shape: [Int]
    /// The index of its first element in the flat buffer.
    public let offset: Int
    /// Its number of elements.
    public var count: Int { shape.reduce(1, *) }
}

/// Where every parameter tensor of a GRU configuration sits in a flat buffer.
///
/// Slots are ordered as PyTorch's `nn.GRU.state_dict()`: per layer, per direction, W_ih, W_hh,
/// b_ih, b_hh. Offsets are relative to the start of the GRU's region, which may be a slice of
/// a larger model buffer.
public struct GRUParameterLayout: Equatable, Sendable {
    /// The configuration the layout follows.
    public let configuration: GRUConfiguration
    /// The slots in buffer order.
    public let slots: [GRUParameterSlot]
    /// The number of Floats the GRU's parameters take.
    public let count: Int

    /// The layout of a configuration's parameters.
    public init(_ configuration: GRUConfiguration) {
        self.configuration = configuration
        var slots: [GRUParameterSlot] = []
        var offset = 0
        let h3 = 3 * configuration.hiddenSize
        for layer in 0..<configuration.layerCount {
            for direction in 0..<configuration.directionCount {
                for role in GRUParameterRole.allCases {
                    let shape: [Int]
                    switch role {
                    case .inputWeight: shape = [h3, configuration.inputSize(ofLayer: layer)]
                    case .recurrentWeight: shape = [h3, configuration.hiddenSize]
                    case .inputBias, .recurrentBias:
                        guard configuration.hasBias else { continue }
                        shape = [h3]
                    }
                    let slot = GRUParameterSlot(
                        role: role, layer: layer, direction: direction, shape: shape, offset: offset)
                    slots.append(slot)
                    offset += slot.count
                }
            }
        }
        self.slots = slots
        count = offset
    }

    /// The slot of one tensor, or nil for a bias of a bias-free configuration.
    public func slot(_ role: GRUParameterRole, layer: Int, direction: Int) -> GRUParameterSlot? {
        slots.first { $0.role == role && $0.layer == layer && $0.direction == direction }
    }
}

/// All weights and biases of a GRU in one flat buffer with named views (the llm.c layout), so
/// that zeroing, clipping, optimizer updates and saving are single loops.
///
/// The same type holds parameter gradients.
public struct GRUParameters: Equatable, Sendable {
    /// Where each tensor sits in `values`.
    public let layout: GRUParameterLayout
    /// Every parameter, slot after slot.
    public var values: [Float]

    /// The configuration the layout follows.
    public var configuration: GRUConfiguration { layout.configuration }

    /// The slots in buffer order.
    public var slots: [GRUParameterSlot] { layout.slots }

    /// All-zero parameters for a configuration (also the starting point of a gradient).
    public init(zerosFor configuration: GRUConfiguration) {
        layout = GRUParameterLayout(configuration)
        values = [Float](repeating: 0, count: layout.count)
    }

    /// The slot of one tensor, or nil for a bias of a bias-free configuration.
    public func slot(_ role: GRUParameterRole, layer: Int, direction: Int) -> GRUParameterSlot? {
        layout.slot(role, layer: layer, direction: direction)
    }

    /// A copy of one slot's values as a tensor.
    public func tensor(for slot: GRUParameterSlot) -> Tensor {
        Tensor(shape: slot.shape, scalars: Array(values[slot.offset..<(slot.offset + slot.count)]))
    }

    /// Overwrites one slot's values; the tensor's shape must match the slot's.
    public mutating func setTensor(_ tensor: Tensor, for slot: GRUParameterSlot) {
        precondition(tensor.shape == slot.shape, "slot shape \(slot.shape), tensor \(tensor.shape)")
        values.replaceSubrange(slot.offset..<(slot.offset + slot.count), with: tensor.scalars)
    }
}
