import Foundation

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#endif

/// A command line whose options cannot work together, in one line.
struct CommandLineError: Error, CustomStringConvertible {
    let description: String
}

/// Refuses a run whose outputs would overwrite one of its inputs or each other, before any
/// work is done: the run would otherwise succeed and lose the input (`--output x.npy` over
/// `--input x.npy`) or one of its own results. Paths are compared as files: two names of
/// one file (a link, `./x`) are the same; devices such as /dev/null may be named twice.
///
/// - Parameters:
///   - outputs: each output's option and path, nil when not given.
///   - inputs: each input's option and path, nil when not given.
func checkOutputPaths(_ outputs: [(option: String, path: String?)], inputs: [(option: String, path: String?)]) throws {
    try checkPathsNotEmpty(outputs + inputs)
    let given = outputs.compactMap { item in item.path.map { (item.option, $0) } }
    let read = inputs.compactMap { item in item.path.map { (item.option, $0) } }
    for (index, (option, path)) in given.enumerated() {
        let file = FileIdentity(path)
        guard !file.isDevice else { continue }
        if let (inputOption, _) = read.first(where: { FileIdentity($0.1) == file }) {
            throw CommandLineError(
                description:
                    "\(option) \(path) is the file given to \(inputOption); writing it would overwrite that input")
        }
        if let (otherOption, _) = given[..<index].first(where: { FileIdentity($0.1) == file }) {
            throw CommandLineError(
                description: "\(option) \(path) is the file given to \(otherOption); give each output its own file")
        }
    }
}

/// Refuses an empty path, which would otherwise name the current directory (`--output ""`
/// reported as "`.`: cannot replace the file").
func checkPathsNotEmpty(_ paths: [(option: String, path: String?)]) throws {
    if let empty = paths.first(where: { $0.path?.isEmpty == true }) {
        throw CommandLineError(description: "\(empty.option) is empty; expected a path")
    }
}

/// What names a file: its device and inode when it exists, else its absolute path with
/// symbolic links resolved.
private struct FileIdentity: Equatable {
    let device: UInt64?, inode: UInt64?
    let path: String
    let isDevice: Bool

    init(_ path: String) {
        let url = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath()
        self.path = url.path
        var status = stat()
        if stat(path, &status) == 0 {
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
            let kind = status.st_mode & S_IFMT
            isDevice = kind == S_IFCHR || kind == S_IFBLK || kind == S_IFIFO || kind == S_IFSOCK
        } else {
            device = nil
            inode = nil
            isDevice = false
        }
    }

    static func == (a: FileIdentity, b: FileIdentity) -> Bool {
        if let device = a.device, let inode = a.inode, let otherDevice = b.device, let otherInode = b.inode {
            return device == otherDevice && inode == otherInode
        }
        return a.path == b.path
    }
}

/// Prints a status line on standard output, or on standard error when one of `outputs` is
/// standard output (`--output /dev/stdout`), so that the line does not land in the data.
func printStatus(_ line: String, outputs: [String?]) {
    let toStandardOutput = outputs.contains { ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"].contains($0) }
    if toStandardOutput {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    } else {
        print(line)
    }
}
