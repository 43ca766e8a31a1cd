import Foundation
import GRUTensor

/// A Keras 3 weights file (`.weights.h5`, and `model.weights.h5` inside a `.keras` archive):
/// float32 datasets at slash-separated paths of HDF5 groups.
///
/// Keras 3 saves each object it tracks (the model, each layer, a layer's cell) as a group at
/// the path of attributes leading to it, with the object's variables as datasets "0", "1", ...
/// of a `vars` group, which carries the object's name as its string attribute `name`:
///
///     vars                          name = "sequential"      (the model, no variables)
///     layers/gru/vars               name = "gru"
///     layers/gru/cell/vars          name = "gru_cell"
///     layers/gru/cell/vars/0        (I, 3H) float32, the kernel
///
/// Keras finds the variables by these paths (not by the names), and loads a file without the
/// `vars` groups of objects that have no variables. This type moves the datasets and those
/// names and knows nothing of layers; Interop/KerasGRU.swift maps a GRU's.
public struct KerasWeightsFile: Equatable, Sendable {
    /// The datasets, by path without a leading slash, e.g. "layers/gru/cell/vars/0".
    public var tensors: [String: Tensor]
    /// The string attribute `name` of groups that have one, by group path, e.g.
    /// "layers/gru/vars" -> "gru". Writing creates each of these groups, even when empty;
    /// reading leaves it empty (see HDF5Attribute.swift: libhdf5 1.10.8 cannot read a damaged
    /// string attribute safely, and Keras loads weights without the names).
    public var groupNames: [String: String]

    /// A file of these datasets and group names.
    public init(tensors: [String: Tensor], groupNames: [String: String] = [:]) {
        self.tensors = tensors
        self.groupNames = groupNames
    }

    /// The deepest group nesting read; Keras nests a few levels per wrapper layer.
    static let deepestPath = 64
    /// The most groups and datasets read, which also bounds what a file with hard-link cycles
    /// makes the reader visit.
    static let mostMembers = 1 << 16

    /// The weights file at `url`.
    ///
    /// - Throws: `FormatError` naming the file (see `init(data:name:)`).
    public static func read(contentsOf url: URL) throws -> KerasWeightsFile {
        try KerasWeightsFile(data: readContents(of: url), name: displayName(of: url))
    }

    /// The weights file whose bytes are `data`; `name` names it in errors (the file, or the
    /// archive and entry, as `model.keras: model.weights.h5`).
    ///
    /// The top-level `optimizer` group is skipped: it holds a trained model's optimizer state
    /// (moments, and an integer iteration count), which nothing in GRUKit loads. Every other
    /// dataset must hold floating-point values (float16 and float64 are converted to
    /// float32); all of them together may not declare more than four times the file's size
    /// in float32 values, which a Keras file (uncompressed float32) never does.
    ///
    /// - Throws: `FormatError` naming `name` when the bytes are not an HDF5 file (truncated or
    ///   damaged), a dataset is not floating-point, is too large or cannot be read, a link is
    ///   soft or external, groups nest deeper than 64 levels, or there are more than 65536 of them.
    public init(data: Data, name: String) throws {
        do {
            self = try HDF5Library.withLibrary(subject: name) {
                let file = try HDF5File.opening(image: data, name: name)
                var reader = Reader(byteBudget: 4 * data.count + (1 << 16))
                try reader.visit(file.root, depth: 0, skipping: ["optimizer"])
                return KerasWeightsFile(tensors: reader.tensors)
            }
        } catch let error as FormatError {
            throw error.escapingControlCharacters  // group and dataset names come from the file
        }
    }

    /// The bytes of the HDF5 file, laid out as Keras writes it: a group for each path prefix
    /// of a dataset or of `groupNames`, each dataset float32 little-endian, each group of
    /// `groupNames` with its `name` attribute.
    ///
    /// - Throws: `FormatError` when a path is empty, has an empty component, or is both a
    ///   dataset and a group.
    public func data() throws -> Data {
        let name = "model.weights.h5"
        return try HDF5Library.withLibrary(subject: name) {
            let file = try HDF5File.creatingInMemory(name: name)
            var groups: [String: HDF5Group] = ["": file.root]
            func group(at path: String) throws -> HDF5Group {
                if let group = groups[path] { return group }
                let components = path.split(separator: "/", omittingEmptySubsequences: false)
                guard !components.contains(where: \.isEmpty) else {
                    throw FormatError(name, "path '\(path)' has an empty component; expected names joined by /")
                }
                let parent = try group(at: components.dropLast().joined(separator: "/"))
                let created = try parent.group(String(components.last!))
                groups[path] = created
                return created
            }
            for path in groupNames.keys.sorted() {
                try group(at: path).setStringAttribute("name", to: groupNames[path]!)
            }
            for path in tensors.keys.sorted() {
                let parentPath = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
                    .joined(separator: "/")
                let leaf = String(path.dropFirst(parentPath.isEmpty ? 0 : parentPath.count + 1))
                guard !leaf.isEmpty else {
                    throw FormatError(name, "dataset path '\(path)' is empty or ends in /; expected a name")
                }
                if groups[path] != nil || groupNames[path] != nil {
                    throw FormatError(name, "'\(path)' is both a dataset and a group; expected one")
                }
                try group(at: parentPath).writeFloatDataset(tensors[path]!, named: leaf)
            }
            return try file.image()
        }
    }

    /// Writes the file to `url` atomically (see `writeAtomically`).
    ///
    /// - Throws: `FormatError` naming the path when the file cannot be written.
    public func write(to url: URL) throws {
        try writeAtomically(data(), to: url)
    }

    /// A depth-first walk of a file's groups collecting datasets.
    private struct Reader {
        var byteBudget: Int
        var tensors: [String: Tensor] = [:]
        var members = 0

        mutating func visit(_ group: HDF5Group, depth: Int, skipping skipped: Set<String> = []) throws {
            guard depth <= KerasWeightsFile.deepestPath else {
                throw group.failure(
                    "nests groups deeper than \(KerasWeightsFile.deepestPath) levels (a cycle of hard links?)")
            }
            for name in try group.memberNames() where !skipped.contains(name) {
                members += 1
                guard members <= KerasWeightsFile.mostMembers else {
                    throw group.failure("holds more than \(KerasWeightsFile.mostMembers) groups and datasets", at: "")
                }
                switch try group.member(name) {
                case .group(let child):
                    try visit(child, depth: depth + 1)
                case .dataset(let dataset):
                    let tensor = try group.floatTensor(dataset, named: name, byteLimit: byteBudget)
                    byteBudget -= 4 * tensor.count
                    tensors[group.childPath(name)] = tensor
                case .other:
                    continue  // a named datatype: no values
                }
            }
        }
    }
}
