import Foundation
import ZIPFoundation

/// A Keras 3 `.keras` archive: a zip of `config.json` (the model's architecture),
/// `metadata.json` (Keras version, date saved) and `model.weights.h5` (its weights).
///
/// Keras writes the three entries stored (uncompressed); reading takes stored or deflated
/// entries and ignores others (an `assets/` folder). The JSON stays bytes here: GRUFormats
/// moves files and knows nothing of layers (Interop/KerasGRU.swift reads the config).
public struct KerasArchive: Sendable {
    /// The bytes of `config.json`: the model's class, its layers and their settings.
    public var config: Data
    /// The bytes of `metadata.json`, e.g. `{"keras_version": "3.15.1", "date_saved": "..."}`.
    public var metadata: Data
    /// The weights, `model.weights.h5`.
    public var weights: KerasWeightsFile

    /// An archive of these parts.
    public init(config: Data, metadata: Data, weights: KerasWeightsFile) {
        self.config = config
        self.metadata = metadata
        self.weights = weights
    }

    /// The entry names Keras uses.
    static let configEntry = "config.json", metadataEntry = "metadata.json", weightsEntry = "model.weights.h5"

    /// The largest uncompressed size an entry may declare, relative to the archive: 64 times
    /// its size plus 1 MiB. Keras stores its entries uncompressed, and JSON and float32
    /// weights deflate far less than that, so a larger declared size is a zip bomb.
    static func largestEntry(inArchiveOf size: Int) -> UInt64 {
        UInt64(size) * 64 + (1 << 20)
    }

    /// The archive at `url`.
    ///
    /// - Throws: `FormatError` naming the file (see `init(data:name:)`).
    public static func read(contentsOf url: URL) throws -> KerasArchive {
        try KerasArchive(data: readContents(of: url), name: displayName(of: url))
    }

    /// The archive whose bytes are `data`; `name` names it in errors.
    ///
    /// - Throws: `FormatError` naming `name` and, where one is at fault, the entry, when the
    ///   bytes are not a zip archive; an entry's path is absolute or leaves the archive's folder
    ///   (`../`); an entry declares an uncompressed size beyond `largestEntry(inArchiveOf:)`,
    ///   holds more or fewer bytes than it declares, or fails its checksum; `config.json`,
    ///   `metadata.json` or `model.weights.h5` is missing, twice there or not a file; or the
    ///   weights cannot be read (see `KerasWeightsFile.init(data:name:)`).
    public init(data: Data, name: String) throws {
        do {
            try self.init(unescaped: data, name: name)
        } catch let error as FormatError {
            throw error.escapingControlCharacters  // entry and dataset names come from the file
        }
    }

    private init(unescaped data: Data, name: String) throws {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw FormatError(name, "is not a zip archive (no readable central directory); expected a .keras file")
        }
        var found: [String: Entry] = [:]
        for entry in archive {
            let path = entry.path
            guard Self.staysInside(path) else {
                throw FormatError(name, "entry '\(path)' leaves the archive's folder; expected a relative path")
            }
            if [Self.configEntry, Self.metadataEntry, Self.weightsEntry].contains(path) {
                guard found[path] == nil else {
                    throw FormatError(name, "holds the entry '\(path)' twice; expected it once")
                }
                found[path] = entry
            }
        }
        func contents(_ entryName: String) throws -> Data {
            guard let entry = found[entryName] else {
                throw FormatError(
                    name, "has no entry '\(entryName)'; expected config.json, metadata.json and model.weights.h5")
            }
            return try Self.contents(of: entry, in: archive, archiveSize: data.count, name: name)
        }
        let config = try contents(Self.configEntry)
        let metadata = try contents(Self.metadataEntry)
        let weights = try KerasWeightsFile(data: contents(Self.weightsEntry), name: "\(name): \(Self.weightsEntry)")
        self.init(config: config, metadata: metadata, weights: weights)
    }

    /// Whether an entry's path stays inside the folder it would be extracted to: not absolute,
    /// no drive letter, no `..` component (with `/` or `\` as separators).
    static func staysInside(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.hasPrefix("\\"), !path.contains(":") else { return false }
        return !path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).contains("..")
    }

    /// The bytes of one entry, read no further than its declared size.
    private static func contents(of entry: Entry, in archive: Archive, archiveSize: Int, name: String) throws -> Data {
        let subject = "entry '\(entry.path)'"
        guard entry.type == .file else {
            throw FormatError(name, "\(subject) is a \(entry.type == .directory ? "folder" : "link"); expected a file")
        }
        let declared = entry.uncompressedSize
        let limit = largestEntry(inArchiveOf: archiveSize)
        guard declared <= limit else {
            throw FormatError(
                name,
                "\(subject) declares \(declared) bytes uncompressed, more than \(limit) for an archive of "
                    + "\(archiveSize) bytes (a zip bomb?)")
        }
        var contents = Data()
        contents.reserveCapacity(Int(declared))
        let checksum: CRC32
        do {
            checksum = try archive.extract(entry) { chunk in
                guard UInt64(contents.count + chunk.count) <= declared else {
                    throw FormatError(name, "\(subject) holds more bytes than the \(declared) it declares")
                }
                contents.append(chunk)
            }
        } catch let error as FormatError {
            throw error
        } catch {
            throw FormatError(name, "\(subject) cannot be read (truncated or damaged: \(error))")
        }
        guard UInt64(contents.count) == declared else {
            throw FormatError(name, "\(subject) holds \(contents.count) bytes; it declares \(declared)")
        }
        guard checksum == entry.checksum else {
            throw FormatError(name, "\(subject) fails its CRC-32 check (damaged)")
        }
        return contents
    }

    /// Writes the archive to `url` atomically (see `writeAtomically`), its entries stored
    /// uncompressed as Keras writes them.
    ///
    /// - Throws: `FormatError` naming the path when the weights or the file cannot be written.
    public func write(to url: URL) throws {
        try writeAtomically(data(name: displayName(of: url)), to: url)
    }

    /// The archive's bytes; `name` names it in errors.
    public func data(name: String = "model.keras") throws -> Data {
        let entries = [
            (Self.metadataEntry, metadata), (Self.configEntry, config), (Self.weightsEntry, try weights.data()),
        ]
        do {
            let archive = try Archive(accessMode: .create)
            for (path, bytes) in entries {
                try archive.addEntry(
                    with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .none
                ) { position, size in
                    bytes.subdata(in: Int(position)..<(Int(position) + size))
                }
            }
            guard let data = archive.data else { throw FormatError(name, "the zip archive could not be made") }
            return data
        } catch let error as FormatError {
            throw error
        } catch {
            throw FormatError(name, "the zip archive could not be made (\(error))")
        }
    }
}
