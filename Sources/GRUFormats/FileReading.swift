import Foundation

/// The name a user gave for `url`: the path as written, relative when it was given relative.
///
/// Error messages lead with it, so it should read as the user typed it on the command line.
func displayName(of url: URL) -> String {
    url.isFileURL ? url.relativePath : url.absoluteString
}

/// The whole contents of the file at `url`, memory-mapped when that is safe.
///
/// - Throws: `FormatError` naming the path when the file is missing, is a directory, or
///   cannot be read.
func readContents(of url: URL) throws -> Data {
    let name = displayName(of: url)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
        throw FormatError(name, "no such file")
    }
    guard !isDirectory.boolValue else {
        throw FormatError(name, "is a directory; expected a file")
    }
    guard FileManager.default.isReadableFile(atPath: url.path) else {
        throw FormatError(name, "cannot read the file (permission denied)")
    }
    do {
        return try Data(contentsOf: url, options: .mappedIfSafe)
    } catch {
        throw FormatError(name, "cannot read the file (I/O error)")
    }
}
