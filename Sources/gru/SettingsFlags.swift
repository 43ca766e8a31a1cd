import ArgumentParser
import Foundation
import GRUKit

/// A group of `gru train` flags that converts to the library's settings group `Settings`:
/// each flag's property has the name of the settings field it gives, so the conversion is one
/// rule for every flag (`settings`), not a copy per field.
protocol SettingsFlags: ParsableArguments {
    associatedtype Settings: Decodable
}

extension SettingsFlags {
    /// The settings these flags give; a flag not given leaves its field nil.
    var settings: Settings {
        var given: [String: any Encodable] = [:]
        for child in Mirror(reflecting: self).children {
            // Property wrappers store their values under the property's name with "_" in front.
            guard let label = child.label, label.hasPrefix("_"), let flag = child.value as? any GivenFlagValue else {
                continue
            }
            if let value = flag.givenValue { given[String(label.dropFirst())] = value }
        }
        do {
            return try SettingsJSON.decoder().decode(
                Settings.self, from: SettingsJSON.encoder().encode(given.mapValues(EncodableValue.init)))
        } catch {
            preconditionFailure("\(Self.self) has a flag of another type than its \(Settings.self) field: \(error)")
        }
    }
}

/// A flag's value when the user gave it: an option's value, or true for a flag that is set.
protocol GivenFlagValue {
    var givenValue: (any Encodable)? { get }
}

extension Option: GivenFlagValue where Value: Encodable {
    var givenValue: (any Encodable)? { wrappedValue }
}

extension Flag: GivenFlagValue where Value: Encodable {
    var givenValue: (any Encodable)? {
        // A plain flag that is not set gives nothing, so it does not override the config file
        // (a flag with a --no- inversion is optional, nil when neither form is given).
        if Value.self == Bool.self, let set = wrappedValue as? Bool, !set { return nil }
        return wrappedValue
    }
}

/// Any encodable value, for a dictionary of values of several types.
private struct EncodableValue: Encodable {
    let value: any Encodable

    func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
    }
}

/// A comma-separated list of names given to one flag, such as `--target-columns a,b`.
struct NameList: ExpressibleByArgument, Encodable {
    let names: [String]

    init?(argument: String) {
        names = argument.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if names.contains(where: \.isEmpty) { return nil }
    }

    func encode(to encoder: any Encoder) throws {
        try names.encode(to: encoder)
    }
}
