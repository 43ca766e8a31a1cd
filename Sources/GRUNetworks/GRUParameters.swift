import GRUTensor

/// All weights and biases of a GRU in one flat buffer with named views (the llm.c layout), so
/// that zeroing, clipping, optimizer updates and saving are single loops.
///
/// The same type holds parameter gradients.
public struct GRUParameters: Equatable, Sendable {
    /// The configuration the layout follows.
    public let configuration: GRUConfiguration
    /// Where each tensor sits in `values`.
    public let layout: RecurrentParameterLayout
    /// Every parameter, slot after slot.
    public var values: [Float]

    /// The slots in buffer order, with PyTorch `nn.GRU` names.
    public var slots: [LayerParameterSlot] { layout.slots }

    /// All-zero parameters for a configuration (also the starting point of a gradient).
    public init(zerosFor configuration: GRUConfiguration) {
        self.configuration = configuration
        layout = RecurrentParameterLayout(configuration, gateCount: GRUCell.gateCount)
        values = [Float](repeating: 0, count: layout.count)
    }

    /// The slot of one tensor, or nil for a bias of a bias-free configuration.
    public func slot(_ role: RecurrentParameterRole, layer: Int, direction: Int) -> LayerParameterSlot? {
        layout.slot(role, layer: layer, direction: direction)
    }

    /// A copy of one slot's values as a tensor.
    public func tensor(for slot: LayerParameterSlot) -> Tensor {
        Tensor(shape: slot.shape, scalars: Array(values[slot.range]))
    }

    /// Overwrites one slot's values; the tensor's shape must match the slot's.
    public mutating func setTensor(_ tensor: Tensor, for slot: LayerParameterSlot) {
        precondition(tensor.shape == slot.shape, "slot shape \(slot.shape), tensor \(tensor.shape)")
        values.replaceSubrange(slot.range, with: tensor.scalars)
    }
}
