import Foundation

/// The name a user gave for `url`: the path as written, relative when it was given relative.
///
/// Error messages lead with it, so it should read as the user typed it on the command line.
package func displayName(of url: URL) -> String {
    url.isFileURL ? url.relativePath : url.absoluteString
}

/// The whole contents of the file at `url`, memory-mapped when that is safe; a pipe or device
/// is read to its end.
///
/// - Throws: `FormatError` naming the path when the file is missing, is a directory, or
///   cannot be read.
package func readContents(of url: URL) throws -> Data {
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
    let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
    if let type = attributes?[.type] as? FileAttributeType, type != .typeRegular {
        return try readStream(url, name: name)
    }
    do {
        return try Data(contentsOf: url, options: .mappedIfSafe)
    } catch {
        throw FormatError(name, "cannot read the file (I/O error)")
    }
}

/// The largest pipe or device read (`<(cat x.npy)`, /dev/stdin): without a limit, /dev/zero
/// would fill the memory.
let largestStreamRead = 1 << 32

/// Everything a pipe or device gives until its end, read in chunks.
private func readStream(_ url: URL, name: String) throws -> Data {
    guard let handle = try? FileHandle(forReadingFrom: url) else {
        throw FormatError(name, "cannot read the file (I/O error)")
    }
    defer { try? handle.close() }
    var contents = Data()
    while true {
        let chunk: Data?
        do {
            chunk = try handle.read(upToCount: 1 << 20)
        } catch {
            throw FormatError(name, "cannot read the stream (\(error.localizedDescription))")
        }
        guard let chunk, !chunk.isEmpty else { return contents }
        contents.append(chunk)
        guard contents.count <= largestStreamRead else {
            throw FormatError(
                name, "gives more than \(largestStreamRead >> 30) GiB; expected a .npy or .safetensors file")
        }
    }
}
