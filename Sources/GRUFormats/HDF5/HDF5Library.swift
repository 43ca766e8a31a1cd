import CHDF5
import Foundation

/// Access to the HDF5 C library: one caller at a time, with its own error printing off.
///
/// libhdf5 is thread-safe only when built so (Debian's is, Homebrew's need not be), and its
/// error-printing setting is per thread in a thread-safe build, so every use goes through
/// `withLibrary`, which serializes the calls and silences the library on the calling thread:
/// failures come back as `FormatError`s, never as HDF5's multi-line traces on stderr.
enum HDF5Library {
    private static let lock = NSLock()

    /// The result of `body`, run with the library initialized, locked to this caller, and its
    /// automatic error printing off.
    ///
    /// - Throws: `FormatError` naming `subject` when the library cannot be initialized, and
    ///   whatever `body` throws.
    static func withLibrary<Result>(subject: String, _ body: () throws -> Result) throws -> Result {
        lock.lock()
        defer { lock.unlock() }
        guard H5open() >= 0 else { throw FormatError(subject, "the HDF5 library could not be initialized") }
        _ = H5Eset_auto2(chdf5_default_error_stack(), nil, nil)
        return try body()
    }
}

/// One open HDF5 identifier (a file, group, dataset, dataspace, datatype, attribute or property
/// list), closed with its kind's close function when the last reference goes.
///
/// Only used inside `HDF5Library.withLibrary`, so every close runs under the library's lock.
final class HDF5Object {
    let id: hid_t
    private let close: (hid_t) -> herr_t

    /// Takes ownership of `id`, or throws `failure` when `id` is negative (the call failed).
    init(_ id: hid_t, closedBy close: @escaping (hid_t) -> herr_t, orThrow failure: @autoclosure () -> FormatError)
        throws
    {
        guard id >= 0 else { throw failure() }
        self.id = id
        self.close = close
    }

    deinit { _ = close(id) }
}

/// Wraps an `herr_t` result: throws `failure` when the call failed (a negative status).
func checkHDF5(_ status: herr_t, _ failure: @autoclosure () -> FormatError) throws {
    guard status >= 0 else { throw failure() }
}

// MARK: - Library constants

/// HDF5's constants, which its headers define as macros (see CHDF5/shim.h).
enum HDF5Constant {
    /// H5P_DEFAULT: the default property list.
    static var defaultList: hid_t { chdf5_default_list() }
    /// H5S_ALL: the whole dataspace.
    static var all: hid_t { chdf5_whole_space() }
    /// H5F_ACC_RDONLY, H5F_ACC_TRUNC.
    static var readOnly: UInt32 { chdf5_read_only() }
    static var truncate: UInt32 { chdf5_truncate() }
    /// H5T_VARIABLE: the size of a variable-length string type.
    static var variableSize: Int { chdf5_variable_size() }
    static var fileAccessClass: hid_t { chdf5_file_access_class() }
    static var nativeFloat: hid_t { chdf5_native_float() }
    static var littleEndianFloat32: hid_t { chdf5_little_endian_float32() }
    static var cString: hid_t { chdf5_c_string() }
}
