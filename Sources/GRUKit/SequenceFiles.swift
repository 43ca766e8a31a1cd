import Foundation

/// Reading the arrays that drive a GRU from .npy files, with errors that name the file.
public enum SequenceFiles {
    /// A float array (float32, float64 or integers converted), of the given rank.
    ///
    /// - Parameter role: what the array is for, used in messages ("input", "initial state").
    public static func readTensor(_ url: URL, role: String, rank: Int) throws -> Tensor {
        let array = try Npy.read(contentsOf: url)
        guard array.shape.count == rank else {
            throw GRUInputError(
                "\(url.lastPathComponent): the \(role) array has shape \(array.shape); expected \(rank) dimensions")
        }
        let tensor = array.floatTensor()
        guard tensor.isFinite else {
            throw GRUInputError("\(url.lastPathComponent): the \(role) array contains NaN or infinite values")
        }
        return tensor
    }

    /// Per-sequence lengths: a one-dimensional int32 or int64 array.
    public static func readLengths(_ url: URL) throws -> [Int] {
        let array = try Npy.read(contentsOf: url)
        guard array.shape.count == 1 else {
            throw GRUInputError(
                "\(url.lastPathComponent): lengths have shape \(array.shape); expected one dimension (B)")
        }
        return try array.integers()
    }
}
