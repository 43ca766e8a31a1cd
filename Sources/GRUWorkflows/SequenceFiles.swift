import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor

/// Reading the arrays that drive a GRU from .npy files, with errors that name the file.
public enum SequenceFiles {
    /// A float array (float32, float64 or integers converted), of the given rank.
    ///
    /// - Parameter role: what the array is for, used in messages ("input", "initial state").
    public static func readTensor(_ url: URL, role: String, rank: Int) throws -> Tensor {
        let array = try Npy.read(contentsOf: url)
        guard array.shape.count == rank else {
            throw GRUInputError(
                .tensor("the \(role) array"), found: "shape \(array.shape)", expected: "\(rank) dimensions"
            ).located(in: url.lastPathComponent)
        }
        let tensor = array.floatTensor()
        guard tensor.isFinite else {
            throw GRUInputError(
                .tensor("the \(role) array"), found: "NaN or infinite values", expected: "finite values"
            )
            .located(in: url.lastPathComponent)
        }
        return tensor
    }

    /// Per-sequence lengths: a one-dimensional int32 or int64 array.
    public static func readLengths(_ url: URL) throws -> [Int] {
        let array = try Npy.read(contentsOf: url)
        guard array.shape.count == 1 else {
            throw GRUInputError(.tensor("lengths"), found: "shape \(array.shape)", expected: "one dimension (B)")
                .located(in: url.lastPathComponent)
        }
        return try array.integers()
    }
}
