import Foundation
import GRUFormats
import GRUTraining

/// Every setting of a training run that a user may give, each optional, in three groups:
/// the model, the optimization and the data. A setting has one name: its field (such as
/// `hiddenSize`), its `gru train --config FILE.json` key (snake_case, `hidden_size`) and its flag
/// (`--hidden-size`), and it sets the field of that name of `ModelConfiguration`,
/// `TrainingOptions` or `DataOptions`. Flags override the file; what neither sets keeps its
/// default. In the file the keys of the three groups stand side by side, not nested.
public struct TrainingRecipe: Codable, Equatable, Sendable {
    /// The model's settings.
    public var model = ModelSettings()
    /// The optimization's settings.
    public var optimization = OptimizationSettings()
    /// How the data is read and split.
    public var data = DataSettings()

    /// A recipe that sets nothing.
    public init() {}

    /// A recipe of the given groups.
    public init(model: ModelSettings, optimization: OptimizationSettings, data: DataSettings) {
        self.model = model
        self.optimization = optimization
        self.data = data
    }

    /// Reads the three groups' keys from one object.
    public init(from decoder: any Decoder) throws {
        model = try ModelSettings(from: decoder)
        optimization = try OptimizationSettings(from: decoder)
        data = try DataSettings(from: decoder)
    }

    /// Writes the three groups' keys into one object.
    public func encode(to encoder: any Encoder) throws {
        try model.encode(to: encoder)
        try optimization.encode(to: encoder)
        try data.encode(to: encoder)
    }

    /// The recipe in a JSON file; unknown keys are an error, so a typo is not silently ignored.
    public static func load(contentsOf url: URL) throws -> TrainingRecipe {
        let data = try readContents(of: url)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FormatError(url.path, "is not a JSON object; expected keys such as \"hidden_size\" and \"epochs\"")
        }
        if let repeated = firstRepeatedJSONObjectKey([UInt8](data)) {
            throw FormatError(url.path, "names the key \"\(repeated.key)\" twice; expected each setting once")
        }
        let known = Set(configurationKeys)
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw FormatError(
                url.path, "unknown key \"\(unknown)\"; expected one of \(known.sorted().joined(separator: ", "))")
        }
        if let key = object.keys.sorted().first(where: { object[$0] is NSNull }) {
            throw FormatError(
                url.path, "key \"\(key)\" is null; expected \(expectation(forKey: key)), or no key for the default")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        if let recipe = try? decoder.decode(TrainingRecipe.self, from: data) { return recipe }
        // Decoding errors name Swift types and coding paths; find the key whose value does
        // not fit, one key at a time, and say what it takes.
        for key in object.keys.sorted() {
            let single = try JSONSerialization.data(withJSONObject: [key: object[key]!])
            if (try? decoder.decode(TrainingRecipe.self, from: single)) == nil {
                let value =
                    (try? JSONSerialization.data(withJSONObject: object[key]!, options: [.fragmentsAllowed]))
                    .map { String(decoding: $0, as: UTF8.self) } ?? "\(object[key]!)"
                throw FormatError(url.path, "key \"\(key)\" is \(value); expected \(expectation(forKey: key))")
            }
        }
        throw FormatError(url.path, "cannot be read as a training configuration")
    }

    /// What the configuration key `key` takes, in words: "an integer", "one of sgd, adam".
    static func expectation(forKey key: String) -> String {
        guard let field = settingFields.first(where: { $0.label.map(snakeCase) == key }) else { return "a value" }
        let type = Swift.type(of: field.value)
        if let listing = type as? AllowedValuesListing.Type {
            return "one of " + listing.allowedValues.joined(separator: ", ")
        }
        switch type {
        case is Int?.Type, is UInt64?.Type: return "an integer"
        case is Float?.Type, is Double?.Type: return "a number"
        case is Bool?.Type: return "true or false"
        case is [String]?.Type: return "a list of strings"
        default: return "a value"
        }
    }

    /// This recipe with every setting that `overrides` makes replacing its own.
    public func overridden(by overrides: TrainingRecipe) -> TrainingRecipe {
        overlaying(self, with: [overrides])
    }

    // MARK: - What the recipe makes

    /// How to read the data files.
    public var dataOptions: DataOptions { data.dataOptions }

    /// The optimization settings, with the data settings that training applies
    /// (`validationFraction`, `maxLength`).
    public var trainingOptions: TrainingOptions { overlaying(TrainingOptions(), with: [optimization, data]) }

    /// The model for data of the given schema.
    public func modelConfiguration(for schema: DatasetSchema) -> ModelConfiguration { model.configuration(for: schema) }
}

extension TrainingRecipe {
    /// Every key as it appears in a JSON configuration file (snake_case), in the order of the
    /// groups' fields; `gru train` has the flag `--` + the key with dashes for each.
    public static var configurationKeys: [String] { settingFields.compactMap { $0.label.map(snakeCase) } }

    /// Every setting's field name (camelCase), in the order of `configurationKeys`.
    static var fieldNames: [String] { settingFields.compactMap(\.label) }

    /// The flag of the setting whose field is `name`, without its dashes: `hidden-size`.
    static func flagName(_ name: String) -> String { snakeCase(name).replacingOccurrences(of: "_", with: "-") }

    /// The fields of the three groups, with the values of a recipe that sets nothing.
    private static var settingFields: [Mirror.Child] {
        let recipe = TrainingRecipe()
        return [
            Mirror(reflecting: recipe.model), Mirror(reflecting: recipe.optimization), Mirror(reflecting: recipe.data),
        ]
        .flatMap(\.children)
    }

    fileprivate static func snakeCase(_ name: String) -> String {
        name.reduce(into: "") { result, character in
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
    }
}

/// The values a setting given by name takes, for configuration errors.
protocol AllowedValuesListing {
    static var allowedValues: [String] { get }
}

extension Optional: AllowedValuesListing where Wrapped: CaseIterable & RawRepresentable, Wrapped.RawValue == String {
    static var allowedValues: [String] { Wrapped.allCases.map(\.rawValue) }
}
