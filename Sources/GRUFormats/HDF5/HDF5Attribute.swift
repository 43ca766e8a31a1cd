import CHDF5

/// String attributes of an HDF5 group, as h5py writes `group.attrs["name"] = "text"`: a scalar,
/// variable-length UTF-8 string.
///
/// Written only, never read from a file: libhdf5 1.10.8 copies a damaged variable-length
/// string out of bounds (H5HG_read, found by Tools/Fuzz), and Keras needs none to load weights.
extension HDF5Group {
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
