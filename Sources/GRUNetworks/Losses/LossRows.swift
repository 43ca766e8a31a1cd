import GRUTensor

// Losses see their input as rows: N = count / K rows of K = the last dimension (1 for a rank-1
// tensor), so (T, B, K) predictions with a (T*B) mask from `sequenceMask` need no reshape.
// Mean reduction divides by the valid elements (or, for cross-entropy, the valid rows' target
// weights); with none valid, loss and gradient are zero (PyTorch gives NaN).

/// The rows and row width of a loss input, and its mask checked against them.
struct LossRows {
    let rows: Int
    let width: Int

    init(_ tensor: Tensor, name: String) throws {
        guard tensor.rank >= 1, tensor.count > 0 else {
            throw GRUInputError(.tensor(name), found: "shape \(tensor.shape)", expected: "at least one element")
        }
        width = tensor.shape.last!
        rows = tensor.count / width
    }

    /// Throws unless the mask is nil or has one entry per row.
    func validate(_ mask: [Bool]?) throws {
        if let mask, mask.count != rows {
            throw GRUInputError(.tensor("mask"), found: "\(mask.count) entries", expected: "one per row, \(rows)")
        }
    }
}
