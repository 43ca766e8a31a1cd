import CHDF5

/// String attributes of an HDF5 group, as h5py writes `group.attrs["name"] = "text"`: a scalar,
/// variable-length UTF-8 string.
extension HDF5Group {
    /// The longest string attribute read.
    static let longestAttribute = 1 << 20

    /// The string attribute `name`, or nil when the group has none of that name.
    ///
    /// - Throws: `FormatError` when the attribute is not a scalar string, or is damaged.
    func stringAttribute(_ name: String) throws -> String? {
        let failure = self.failure("has an unreadable attribute '\(name)'; expected a string")
        let exists = H5Aexists(object.id, name)
        guard exists >= 0 else { throw failure }
        guard exists > 0 else { return nil }
        let attribute = try HDF5Object(
            H5Aopen(object.id, name, HDF5Constant.defaultList), closedBy: H5Aclose, orThrow: failure)
        let type = try HDF5Object(H5Aget_type(attribute.id), closedBy: H5Tclose, orThrow: failure)
        let space = try HDF5Object(H5Aget_space(attribute.id), closedBy: H5Sclose, orThrow: failure)
        guard H5Tget_class(type.id) == H5T_STRING, H5Sget_simple_extent_npoints(space.id) == 1 else { throw failure }
        let isVariable = H5Tis_variable_str(type.id)
        guard isVariable >= 0 else { throw failure }
        // Read into a memory type of the same kind, with the file's character set.
        let memoryType = try HDF5Object(H5Tcopy(HDF5Constant.cString), closedBy: H5Tclose, orThrow: failure)
        try checkHDF5(H5Tset_cset(memoryType.id, H5Tget_cset(type.id)), failure)
        if isVariable > 0 {
            try checkHDF5(H5Tset_size(memoryType.id, HDF5Constant.variableSize), failure)
            var pointer: UnsafeMutablePointer<CChar>?
            try checkHDF5(H5Aread(attribute.id, memoryType.id, &pointer), failure)
            guard let pointer else { return "" }
            defer { H5free_memory(pointer) }
            var length = 0
            while pointer[length] != 0 {
                length += 1
                guard length <= Self.longestAttribute else { throw failure }
            }
            return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
        }
        let size = H5Tget_size(type.id)
        guard size > 0, size <= Self.longestAttribute else { throw failure }
        try checkHDF5(H5Tset_size(memoryType.id, size + 1), failure)  // room for the terminating NUL
        var buffer = [CChar](repeating: 0, count: size + 1)
        try checkHDF5(H5Aread(attribute.id, memoryType.id, &buffer), failure)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Sets the string attribute `name` to `value`, replacing one of that name.
    func setStringAttribute(_ name: String, to value: String) throws {
        let failure = self.failure("could not get the attribute '\(name)'")
        if H5Aexists(object.id, name) > 0 { try checkHDF5(H5Adelete(object.id, name), failure) }
        let type = try HDF5Object(H5Tcopy(HDF5Constant.cString), closedBy: H5Tclose, orThrow: failure)
        try checkHDF5(H5Tset_size(type.id, HDF5Constant.variableSize), failure)
        try checkHDF5(H5Tset_cset(type.id, H5T_CSET_UTF8), failure)
        let space = try HDF5Object(H5Screate(H5S_SCALAR), closedBy: H5Sclose, orThrow: failure)
        let attribute = try HDF5Object(
            H5Acreate2(object.id, name, type.id, space.id, HDF5Constant.defaultList, HDF5Constant.defaultList),
            closedBy: H5Aclose, orThrow: failure)
        try value.withCString { text in
            var pointer: UnsafePointer<CChar>? = text
            try checkHDF5(H5Awrite(attribute.id, type.id, &pointer), failure)
        }
    }
}
