import CHDF5

/// An open HDF5 group (or a file's root group): its members, new subgroups, and the datasets
/// and attributes it holds (HDF5Dataset.swift, HDF5Attribute.swift).
///
/// Links are followed only when hard: a soft or external link is refused before it is opened,
/// so a file cannot make the reader open another file on disk. Use only inside
/// `HDF5Library.withLibrary`.
struct HDF5Group {
    /// The file or group identifier.
    let object: HDF5Object
    /// The file as error messages name it.
    let fileName: String
    /// The group's path from the root, without a leading slash ("" for the root).
    let path: String

    /// A member of a group: a subgroup, a dataset, or something else (a named datatype).
    enum Member {
        case group(HDF5Group)
        case dataset(HDF5Object)
        case other
    }

    init(_ object: HDF5Object, fileName: String, path: String) throws {
        self.object = object
        self.fileName = fileName
        self.path = path
    }

    /// `name` below this group's path, as datasets and errors name it.
    func childPath(_ name: String) -> String { path.isEmpty ? name : path + "/" + name }

    /// An error about this file, naming `path` inside it when there is one.
    func failure(_ problem: String, at path: String? = nil) -> FormatError {
        let location = path ?? self.path
        return FormatError(fileName, location.isEmpty ? problem : "'\(location)' \(problem)")
    }

    // MARK: - Reading

    /// The names of the group's links, in name order.
    func memberNames() throws -> [String] {
        var info = H5G_info_t()
        try checkHDF5(H5Gget_info(object.id, &info), failure("cannot be listed (damaged group)"))
        var names: [String] = []
        names.reserveCapacity(Int(min(info.nlinks, 1 << 16)))
        for index in 0..<info.nlinks {
            func name(into buffer: UnsafeMutablePointer<CChar>?, size: Int) -> Int {
                H5Lget_name_by_idx(
                    object.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, buffer, size, HDF5Constant.defaultList)
            }
            let length = name(into: nil, size: 0)
            guard length >= 0 else { throw failure("cannot be listed (damaged link \(index))") }
            var buffer = [CChar](repeating: 0, count: length + 1)
            guard name(into: &buffer, size: buffer.count) == length else {
                throw failure("cannot be listed (damaged link \(index))")
            }
            names.append(String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// The member `name` of this group, opened.
    ///
    /// - Throws: `FormatError` when it cannot be opened: missing, damaged, or reached through a
    ///   soft or external link.
    func member(_ name: String) throws -> Member {
        let path = childPath(name)
        switch chdf5_is_hard_link(object.id, name) {
        case 1: break
        case 0: throw failure("is a soft or external link; expected a group or dataset", at: path)
        default: throw failure("cannot be opened (missing or damaged link)", at: path)
        }
        let opened = try HDF5Object(
            H5Oopen(object.id, name, HDF5Constant.defaultList), closedBy: H5Oclose,
            orThrow: failure("cannot be opened (damaged object header)", at: path))
        switch H5Iget_type(opened.id) {
        case H5I_GROUP: return .group(try HDF5Group(opened, fileName: fileName, path: path))
        case H5I_DATASET: return .dataset(opened)
        default: return .other
        }
    }

    // MARK: - Writing

    /// A new, empty subgroup `name`.
    func makeGroup(_ name: String) throws -> HDF5Group {
        let path = childPath(name)
        let group = try HDF5Object(
            H5Gcreate2(
                object.id, name, HDF5Constant.defaultList, HDF5Constant.defaultList, HDF5Constant.defaultList),
            closedBy: H5Gclose, orThrow: failure("could not be created as a group", at: path))
        return try HDF5Group(group, fileName: fileName, path: path)
    }

    /// The subgroup `name`, created when it does not exist yet.
    func group(_ name: String) throws -> HDF5Group {
        guard H5Lexists(object.id, name, HDF5Constant.defaultList) > 0 else { return try makeGroup(name) }
        guard case .group(let group) = try member(name) else {
            throw failure("is not a group; expected one", at: childPath(name))
        }
        return group
    }
}
