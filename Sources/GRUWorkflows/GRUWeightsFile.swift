import Foundation
import GRUFormats
import GRUNetworks

/// Saving and loading a GRU as a safetensors file with PyTorch `nn.GRU` state_dict names.
///
/// The variant is stored in the `__metadata__` key `variant`, since PyTorch's names alone
/// cannot tell reset-after from reset-before.
extension GRU {
    /// The metadata key that records the variant.
    public static let variantMetadataKey = "variant"

    /// Loads a GRU from a safetensors file, inferring its configuration from names and shapes.
    ///
    /// - Parameters:
    ///   - url: the weights file.
    ///   - variant: the variant to use; when nil, the file's `variant` metadata, else reset-after.
    /// - Throws: `FormatError` for an unreadable file; `GRUInputError` naming the file for
    ///   missing, extra or misshapen tensors, or a variant that contradicts the file's metadata.
    public static func load(contentsOf url: URL, variant: GRUVariant? = nil) throws -> GRU {
        let file = try SafetensorsFile.read(contentsOf: url)
        let name = url.lastPathComponent
        var fileVariant: GRUVariant?
        if let recorded = file.metadata[variantMetadataKey] {
            guard let parsed = GRUVariant(rawValue: recorded) else {
                throw GRUInputError(
                    .file(name), found: "metadata 'variant' is '\(recorded)'", expected: "reset-after or reset-before")
            }
            fileVariant = parsed
        }
        if let variant, let fileVariant, variant != fileVariant {
            throw GRUInputError(
                .file(name), found: "the file's metadata says variant \(fileVariant.rawValue)",
                expected: "\(variant.rawValue), the variant requested")
        }
        let tensors = Dictionary(uniqueKeysWithValues: file.names.map { ($0, file[$0]!) })
        do {
            return GRU(
                parameters: try PyTorchGRUNames.parameters(
                    from: tensors, variant: variant ?? fileVariant ?? .resetAfter))
        } catch let error as GRUInputError {
            throw error.located(in: name)
        }
    }

    /// Writes the weights atomically as safetensors, with the variant in the metadata.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        var allMetadata = metadata
        allMetadata[Self.variantMetadataKey] = configuration.variant.rawValue
        try SafetensorsFile(
            PyTorchGRUNames.namedTensors(of: parameters), metadata: allMetadata,
            fileName: url.lastPathComponent
        ).write(to: url)
    }
}
