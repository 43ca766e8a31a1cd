/// A parameter tensor a cell has in each layer and direction beyond the four every cell has
/// (W_ih, W_hh, b_ih, b_hh): the layer-norm GRU's gains, say. The layout places a cell's extra
/// tensors after the four, in the order the cell declares them.
public struct RecurrentExtraParameter: Equatable, Sendable {
    /// The stem of the tensor's name: `layer_norm_gamma` is saved as `layer_norm_gamma_l0`,
    /// `layer_norm_gamma_l0_reverse` and so on.
    public let nameStem: String
    /// The tensor's shape.
    public let shape: [Int]
    /// The value every element starts at (gains start at 1), under every initialization scheme.
    public let initialValue: Float

    /// An extra tensor named by `nameStem`, of `shape`, initialized to `initialValue`.
    public init(nameStem: String, shape: [Int], initialValue: Float) {
        self.nameStem = nameStem
        self.shape = shape
        self.initialValue = initialValue
    }

    /// The number of Floats the tensor takes.
    public var count: Int { shape.reduce(1, *) }
}
