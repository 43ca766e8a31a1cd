import CHDF5
import Foundation

/// An HDF5 file held in memory by the library's core driver: opened from bytes, or created
/// empty and turned into bytes.
///
/// Files live in memory rather than in temporary files because a Keras archive holds its
/// weights file as a zip entry, and writes are made atomic by `writeAtomically`: the core
/// driver with a file image (`H5Pset_file_image`) reads and writes bytes without touching the
/// disk, needs only libhdf5 (not hdf5_hl's `H5LTopen_file_image`), and leaves nothing to clean
/// up after a failure. Use only inside `HDF5Library.withLibrary`.
struct HDF5File {
    /// The file as error messages name it.
    let name: String
    /// The root group.
    let root: HDF5Group

    /// The file whose bytes are `image`, opened read-only.
    ///
    /// - Throws: `FormatError` naming `name` when the bytes are not an HDF5 file (truncated,
    ///   not HDF5, or damaged in its superblock or root group).
    static func opening(image: Data, name: String) throws -> HDF5File {
        let access = try memoryAccessList(name: name)
        let opened = try image.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> hid_t in
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                throw FormatError(name, "is empty; expected an HDF5 file")
            }
            // The library copies the image, so the bytes need to outlive only this call.
            try checkHDF5(
                H5Pset_file_image(access.id, UnsafeMutableRawPointer(mutating: base), bytes.count),
                FormatError(name, "could not be handed to the HDF5 library"))
            return H5Fopen(memoryFileName, HDF5Constant.readOnly, access.id)
        }
        let file = try HDF5Object(
            opened, closedBy: H5Fclose,
            orThrow: FormatError(name, "is not an HDF5 file (truncated, or damaged in its header)"))
        return HDF5File(name: name, root: try HDF5Group(file, fileName: name, path: ""))
    }

    /// A new, empty file in memory.
    static func creatingInMemory(name: String) throws -> HDF5File {
        let access = try memoryAccessList(name: name)
        let file = try HDF5Object(
            H5Fcreate(memoryFileName, HDF5Constant.truncate, HDF5Constant.defaultList, access.id), closedBy: H5Fclose,
            orThrow: FormatError(name, "the HDF5 library could not create the file in memory"))
        return HDF5File(name: name, root: try HDF5Group(file, fileName: name, path: ""))
    }

    /// The file's bytes as they stand, everything written so far flushed into them.
    func image() throws -> Data {
        let failure = FormatError(name, "the HDF5 library could not produce the file's bytes")
        try checkHDF5(H5Fflush(root.object.id, H5F_SCOPE_GLOBAL), failure)
        let size = H5Fget_file_image(root.object.id, nil, 0)
        guard size > 0 else { throw failure }
        var image = Data(count: size)
        let copied = image.withUnsafeMutableBytes { H5Fget_file_image(root.object.id, $0.baseAddress, size) }
        guard copied == size else { throw failure }
        return image
    }

    /// The name the library gets for every in-memory file: not the path a user gave, since an
    /// existing file of that name on disk made opening the image fail.
    private static let memoryFileName = "\u{1}GRUKit in-memory HDF5 file"

    /// A file access list for the core (in-memory) driver without a backing file on disk.
    private static func memoryAccessList(name: String) throws -> HDF5Object {
        let access = try HDF5Object(
            H5Pcreate(HDF5Constant.fileAccessClass), closedBy: H5Pclose,
            orThrow: FormatError(name, "the HDF5 library could not make a file access list"))
        try checkHDF5(
            H5Pset_fapl_core(access.id, 1 << 16, false), FormatError(name, "the HDF5 core driver is unavailable"))
        return access
    }
}
