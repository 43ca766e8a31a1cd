import Foundation
import GRUNetworks
import GRUTraining

/// A .keras archive's `metadata.json`: what Keras 3 writes (`keras_version`, `date_saved`), and
/// under the key `grukit`, which Keras does not read, what a GRUKit export adds so that `gru
/// import` restores the model directory exactly: the directory's manifest (model, training
/// options, data options and data schema: labels, vocabulary, feature and target names and
/// normalizations).
struct KerasModelMetadata: Codable, Equatable {
    /// The Keras version the file claims to be written by.
    var kerasVersion: String
    /// When it was saved, as Keras writes it: `2026-12-02@20:42:33`.
    var dateSaved: String?
    /// What GRUKit added; nil in files Keras wrote.
    var grukit: GRUKitRecord?

    /// The Keras 3 version whose files GRUKit writes (the fixtures and checks use it).
    static let writtenKerasVersion = "3.15.1"

    /// What a GRUKit export records beside Keras's keys.
    struct GRUKitRecord: Codable, Equatable {
        /// The model directory's manifest (model.json).
        var manifest: ModelDirectory.Manifest
        /// For a reset-before GRU, each bias tensor by its GRUKit name (`gru.bias_ih_l0`):
        /// Keras's `reset_after=False` GRU has one bias, the sum of GRUKit's two, which does not
        /// give them back apart. Used on import only while Keras's bias still equals their sum.
        var gruBiases: [String: [Float]]?
    }

    private enum CodingKeys: String, CodingKey {
        case kerasVersion = "keras_version"
        case dateSaved = "date_saved"
        case grukit
    }

    /// `date` as Keras writes `date_saved` (UTC here).
    static func dateSaved(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd@HH:mm:ss"
        return formatter.string(from: date)
    }

    /// The JSON text, keys sorted, non-finite numbers as the model directory writes them.
    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try encoder.encode(self)
    }

    /// Reads metadata.json.
    ///
    /// - Throws: `GRUInputError` when it is not a JSON object with a `keras_version`, or its
    ///   `grukit` record is not one this version of GRUKit wrote.
    init(json data: Data) throws {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do {
            self = try decoder.decode(Self.self, from: data)
        } catch {
            throw GRUInputError(
                .setting("metadata.json"), found: "unreadable (\(error))",
                expected: "a JSON object with keras_version (and grukit, from gru export)")
        }
    }

    /// Metadata of the given parts.
    init(kerasVersion: String, dateSaved: String?, grukit: GRUKitRecord?) {
        self.kerasVersion = kerasVersion
        self.dateSaved = dateSaved
        self.grukit = grukit
    }
}
