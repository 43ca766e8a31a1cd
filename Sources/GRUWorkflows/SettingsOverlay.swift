import Foundation

/// `base` with every field that one of `settings` gives (encodes) replacing `base`'s field of
/// the same name; the fields of `settings` that `Base` does not have are left out.
///
/// One rule for every setting: a setting reaches the options because it has the options'
/// field name, so there is no field-by-field copy to keep in step with the fields.
func overlaying<Base: Codable>(_ base: Base, with settings: [any Encodable]) -> Base {
    do {
        var fields = try SettingsJSON.fields(of: base)
        for group in settings { fields.merge(try SettingsJSON.fields(of: group)) { $1 } }
        return try SettingsJSON.decoder().decode(Base.self, from: JSONSerialization.data(withJSONObject: fields))
    } catch {
        // Every settings field has the type of the options field of its name (TrainingRecipeTests).
        preconditionFailure("settings do not fit \(Base.self): \(error)")
    }
}
