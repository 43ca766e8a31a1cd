/// A user-supplied tensor or setting that does not fit the GRU: wrong shape, missing or extra
/// weights, lengths out of range, non-finite values.
///
/// The description is one line naming the tensor, what was expected and what was found.
public struct GRUInputError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The one-line explanation.
    public let description: String

    /// An error with the given one-line explanation.
    public init(_ description: String) {
        self.description = description
    }
}
