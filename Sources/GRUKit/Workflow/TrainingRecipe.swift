import Foundation

/// Every setting of a training run that a user may give, each optional: the keys of
/// `gru train --config FILE.json` (snake_case, such as `hidden_size`) and, one for one, its flags
/// (such as `--hidden-size`). Flags override the file; what neither sets keeps its default.
public struct TrainingRecipe: Codable, Equatable, Sendable {
    // Data
    public var task: SequenceTask?
    public var format: DataFormat?
    public var window: Int?
    public var horizon: Int?
    public var sequenceLength: Int?
    public var maxVocabulary: Int?
    public var minFrequency: Int?
    public var normalize: Bool?
    public var targetColumns: [String]?
    public var validationFraction: Double?
    public var maxLength: Int?
    // Model
    public var hiddenSize: Int?
    public var layers: Int?
    public var bidirectional: Bool?
    public var variant: GRUVariant?
    public var embeddingSize: Int?
    public var pooling: SequencePooling.Mode?
    public var initialization: GRUInitialization?
    public var inputDropout: Float?
    public var layerDropout: Float?
    public var recurrentDropout: Float?
    public var outputDropout: Float?
    // Optimization
    public var epochs: Int?
    public var batchSize: Int?
    public var optimizer: TrainingOptions.OptimizerKind?
    public var learningRate: Float?
    public var momentum: Float?
    public var nesterov: Bool?
    public var weightDecay: Float?
    public var clipNorm: Float?
    public var clipValue: Float?
    public var schedule: TrainingOptions.ScheduleKind?
    public var stepSize: Int?
    public var decayFactor: Float?
    public var warmupSteps: Int?
    public var schedulePatience: Int?
    public var earlyStopping: Int?
    public var labelSmoothing: Float?
    public var balanceClasses: Bool?
    public var loss: TrainingOptions.RegressionLoss?
    public var truncatedBptt: Bool?
    public var seed: UInt64?

    /// A recipe that sets nothing.
    public init() {}

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
            throw FormatError(url.path, "unknown key \"\(unknown)\"; expected one of \(known.sorted().joined(separator: ", "))")
        }
        if let key = object.keys.sorted().first(where: { object[$0] is NSNull }) {
            throw FormatError(url.path, "key \"\(key)\" is null; expected \(expectation(forKey: key)), or no key for the default")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        if let recipe = try? decoder.decode(TrainingRecipe.self, from: data) { return recipe }
        // Decoding errors name Swift types and coding paths; find the key whose value does
        // not fit, one key at a time, and say what it takes.
        for key in object.keys.sorted() {
            let single = try JSONSerialization.data(withJSONObject: [key: object[key]!])
            if (try? decoder.decode(TrainingRecipe.self, from: single)) == nil {
                let value = (try? JSONSerialization.data(withJSONObject: object[key]!, options: [.fragmentsAllowed]))
                    .map { String(decoding: $0, as: UTF8.self) } ?? "\(object[key]!)"
                throw FormatError(url.path, "key \"\(key)\" is \(value); expected \(expectation(forKey: key))")
            }
        }
        throw FormatError(url.path, "cannot be read as a training configuration")
    }

    /// What the configuration key `key` takes, in words: "an integer", "one of sgd, adam".
    static func expectation(forKey key: String) -> String {
        guard let field = Mirror(reflecting: TrainingRecipe()).children.first(where: { $0.label.map(snakeCase) == key }) else {
            return "a value"
        }
        let type = Swift.type(of: field.value)
        if let listing = type as? AllowedValuesListing.Type { return "one of " + listing.allowedValues.joined(separator: ", ") }
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
        // Encode both, merge the keys, decode: one rule for every field.
        let encoder = JSONEncoder()
        guard let base = try? JSONSerialization.jsonObject(with: encoder.encode(self)) as? [String: Any],
              let top = try? JSONSerialization.jsonObject(with: encoder.encode(overrides)) as? [String: Any],
              let merged = try? JSONSerialization.data(withJSONObject: base.merging(top) { $1 }),
              let result = try? JSONDecoder().decode(TrainingRecipe.self, from: merged) else { return overrides }
        return result
    }

    // MARK: - What the recipe makes

    /// How to read the data files.
    public var dataOptions: DataOptions {
        var options = DataOptions(task: task)
        options.format = format
        if let window { options.window = window }
        if let horizon { options.horizon = horizon }
        if let sequenceLength { options.sequenceLength = sequenceLength }
        options.maximumVocabularySize = maxVocabulary
        if let minFrequency { options.minimumTokenFrequency = minFrequency }
        options.normalizesFeatures = normalize ?? true
        options.targetColumns = targetColumns
        return options
    }

    /// The optimization settings.
    public var trainingOptions: TrainingOptions {
        var options = TrainingOptions()
        if let epochs { options.epochs = epochs }
        if let batchSize { options.batchSize = batchSize }
        if let optimizer { options.optimizer = optimizer }
        if let learningRate { options.learningRate = learningRate }
        if let momentum { options.momentum = momentum }
        if let nesterov { options.nesterov = nesterov }
        if let weightDecay { options.weightDecay = weightDecay }
        options.clipNorm = clipNorm
        options.clipValue = clipValue
        if let schedule { options.schedule = schedule }
        if let stepSize { options.stepSize = stepSize }
        if let decayFactor { options.decayFactor = decayFactor }
        if let warmupSteps { options.warmupSteps = warmupSteps }
        if let schedulePatience { options.schedulePatience = schedulePatience }
        options.earlyStoppingPatience = earlyStopping
        if let validationFraction { options.validationFraction = validationFraction }
        options.maximumLength = maxLength
        if let labelSmoothing { options.labelSmoothing = labelSmoothing }
        if let balanceClasses { options.balanceClasses = balanceClasses }
        if let loss { options.regressionLoss = loss }
        if let truncatedBptt { options.truncatedBPTT = truncatedBptt }
        if let seed { options.seed = seed }
        return options
    }

    /// The model for data of the given schema.
    public func modelConfiguration(for schema: DatasetSchema) -> ModelConfiguration {
        let hidden = hiddenSize ?? 64
        let tokens = schema.vocabulary?.count
        return ModelConfiguration(
            task: schema.task, vocabularySize: tokens, embeddingSize: tokens == nil ? nil : (embeddingSize ?? min(hidden, 128)),
            featureCount: tokens == nil ? schema.inputSize : nil, hiddenSize: hidden, layerCount: layers ?? 1,
            isBidirectional: bidirectional ?? false, variant: variant ?? .resetAfter, outputSize: schema.outputSize,
            pooling: pooling ?? .lastState, inputDropout: inputDropout ?? 0, betweenLayerDropout: layerDropout ?? 0,
            recurrentDropout: recurrentDropout ?? 0, outputDropout: outputDropout ?? 0,
            initialization: initialization ?? .pytorch)
    }
}

extension TrainingRecipe {
    /// Every key as it appears in a JSON configuration file (snake_case).
    static var configurationKeys: [String] {
        Mirror(reflecting: TrainingRecipe()).children.compactMap { $0.label.map(snakeCase) }
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
