import Foundation
import GRUFormats
import GRUNetworks

/// Saving and loading a GRU as a safetensors file with PyTorch `nn.GRU` state_dict names.
///
/// The variant is stored in the `__metadata__` key `variant`, since PyTorch's names alone
/// cannot tell reset-after from reset-before; activations other than tanh and sigmoid under
/// `activation` and `recurrent_activation` (Keras names).
extension GRU {
    /// The metadata key that records the variant.
    public static let variantMetadataKey = "variant"

    /// Loads a GRU from a safetensors file, inferring its configuration from names and shapes.
    ///
    /// - Parameters:
    ///   - url: the weights file.
    ///   - variant: the variant to use; when nil, the file's `variant` metadata, else reset-after.
    /// - Throws: `FormatError` for an unreadable file or integer tensors without scales;
    ///   `GRUInputError` naming the file for missing, extra or misshapen tensors, or a variant
    ///   that contradicts the file's metadata.
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
        func activation(_ key: String, default fallback: RecurrentActivation) throws -> RecurrentActivation {
            guard let recorded = file.metadata[key] else { return fallback }
            guard let parsed = try? RecurrentActivation(parsing: recorded) else {
                let accepted = RecurrentActivation.allCases.map(\.kerasName).joined(separator: ", ")
                throw GRUInputError(
                    .file(name), found: "metadata '\(key)' is '\(recorded)'", expected: "one of \(accepted)")
            }
            return parsed
        }
        // Integer tensors are refused, not cast; int8 weights with scales read as their floats.
        let tensors = try QuantizedTensors(reading: file).tensors
        do {
            var configuration = try PyTorchGRUNames.configuration(
                of: tensors, variant: variant ?? fileVariant ?? .resetAfter)
            configuration.activation = try activation("activation", default: .tanh)
            configuration.recurrentActivation = try activation("recurrent_activation", default: .sigmoid)
            return GRU(parameters: try PyTorchGRUNames.parameters(from: tensors, configuration: configuration))
        } catch let error as GRUInputError {
            throw error.located(in: name)
        }
    }

    /// Writes the weights atomically as safetensors, with the variant in the metadata.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        var allMetadata = metadata
        allMetadata[Self.variantMetadataKey] = configuration.variant.rawValue
        if configuration.activation != .tanh { allMetadata["activation"] = configuration.activation.kerasName }
        if configuration.recurrentActivation != .sigmoid {
            allMetadata["recurrent_activation"] = configuration.recurrentActivation.kerasName
        }
        try SafetensorsFile(
            PyTorchGRUNames.namedTensors(of: parameters), metadata: allMetadata,
            fileName: url.lastPathComponent
        ).write(to: url)
    }
}
