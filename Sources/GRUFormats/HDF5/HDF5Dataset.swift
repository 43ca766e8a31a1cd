import CHDF5
import GRUTensor

/// Float32 datasets of any rank in an HDF5 group: read into a `Tensor`, written from one.
extension HDF5Group {
    /// The largest dataset rank read: HDF5 allows 32; weights have at most a few.
    static let largestRank = 32

    /// The values of the dataset `dataset` (a member of this group named `name`) as a tensor.
    ///
    /// Float datasets of any width are converted to float32 by the library. `byteLimit` bounds
    /// the values' size, so that a small file cannot declare a huge (compressed or unwritten)
    /// dataset and make the reader allocate it.
    ///
    /// - Throws: `FormatError` naming the dataset when it is not of a floating-point type, has
    ///   a null dataspace, more than `largestRank` dimensions or more than `byteLimit` bytes of
    ///   float32 values, or cannot be read (damaged storage).
    func floatTensor(_ dataset: HDF5Object, named name: String, byteLimit: Int) throws -> Tensor {
        let path = childPath(name)
        func failure(_ problem: String) -> FormatError { self.failure(problem, at: path) }
        let type = try HDF5Object(
            H5Dget_type(dataset.id), closedBy: H5Tclose, orThrow: failure("has an unreadable datatype"))
        let typeClass = H5Tget_class(type.id)
        guard typeClass == H5T_FLOAT else {
            throw failure("holds \(Self.describe(typeClass, size: H5Tget_size(type.id))) values; expected float32")
        }
        let space = try HDF5Object(
            H5Dget_space(dataset.id), closedBy: H5Sclose, orThrow: failure("has an unreadable dataspace"))
        guard H5Sget_simple_extent_type(space.id) != H5S_NULL else {
            throw failure("has no values (a null dataspace); expected a float32 array")
        }
        let rank = Int(H5Sget_simple_extent_ndims(space.id))
        guard (0...Self.largestRank).contains(rank) else {
            throw failure("has an unreadable dataspace (rank \(rank))")
        }
        var dimensions = [hsize_t](repeating: 0, count: max(rank, 1))
        guard H5Sget_simple_extent_dims(space.id, &dimensions, nil) == rank else {
            throw failure("has an unreadable dataspace")
        }
        let shape = dimensions.prefix(rank).map { Int(clamping: $0) }
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow, product <= byteLimit / 4 else {
                throw failure(
                    "declares shape \(shape), more values than the file can hold (at most \(byteLimit) bytes)")
            }
            count = product
        }
        var scalars = [Float](repeating: 0, count: count)
        if count > 0 {
            let status = scalars.withUnsafeMutableBytes {
                H5Dread(
                    dataset.id, HDF5Constant.nativeFloat, HDF5Constant.all, HDF5Constant.all,
                    HDF5Constant.defaultList, $0.baseAddress)
            }
            try checkHDF5(status, failure("cannot be read (truncated or damaged data)"))
        }
        return Tensor(shape: shape, scalars: scalars)
    }

    /// Writes `tensor` as a new little-endian float32 dataset `name` (a scalar dataspace for rank 0).
    func writeFloatDataset(_ tensor: Tensor, named name: String) throws {
        let path = childPath(name)
        func failure(_ problem: String) -> FormatError { self.failure(problem, at: path) }
        let dimensions = tensor.shape.map { hsize_t($0) }
        let space = try HDF5Object(
            tensor.rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(tensor.rank), dimensions, nil),
            closedBy: H5Sclose, orThrow: failure("could not get a dataspace of shape \(tensor.shape)"))
        let dataset = try HDF5Object(
            H5Dcreate2(
                object.id, name, HDF5Constant.littleEndianFloat32, space.id, HDF5Constant.defaultList,
                HDF5Constant.defaultList, HDF5Constant.defaultList),
            closedBy: H5Dclose, orThrow: failure("could not be created as a dataset"))
        guard tensor.count > 0 else { return }
        let status = tensor.scalars.withUnsafeBytes {
            H5Dwrite(
                dataset.id, HDF5Constant.nativeFloat, HDF5Constant.all, HDF5Constant.all, HDF5Constant.defaultList,
                $0.baseAddress)
        }
        try checkHDF5(status, failure("could not be written"))
    }

    /// A datatype class in words, as numpy names it where it can: int32, uint8, string.
    private static func describe(_ typeClass: H5T_class_t, size: Int) -> String {
        switch typeClass {
        case H5T_INTEGER: return "integer (\(size * 8)-bit)"
        case H5T_STRING: return "string"
        case H5T_COMPOUND: return "compound"
        case H5T_ENUM: return "enum"
        case H5T_BITFIELD: return "bitfield"
        case H5T_OPAQUE: return "opaque"
        case H5T_REFERENCE: return "reference"
        case H5T_VLEN: return "variable-length"
        case H5T_ARRAY: return "array"
        default: return "unknown-type"
        }
    }
}
