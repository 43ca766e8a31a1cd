import Foundation
import GRUTraining

extension TrainingRecipe {
    /// The first setting this recipe gives that differs from the run checkpointed with
    /// `manifest`, as "--hidden-size 16 (the checkpointed run has 8)"; nil when every setting
    /// given matches. A resumed run continues with its own settings, so a different one given
    /// with --resume would otherwise be silently ignored. Only `epochs` may change.
    func conflict(withResumed manifest: ModelDirectory.Manifest) -> String? {
        // A setting has the name of the saved field it set (see `overlaying`), so each given
        // value is compared with the saved field of its name; the task is the data's.
        func fields(_ value: some Encodable) -> [String: Any] { (try? SettingsJSON.fields(of: value)) ?? [:] }
        var saved = fields(manifest.dataOptions)
        for group in [fields(manifest.training), fields(manifest.model)] { saved.merge(group) { $1 } }
        saved["task"] = manifest.data.task.rawValue
        let given = [fields(model), fields(optimization), fields(data)].reduce(into: [String: Any]()) {
            $0.merge($1) { $1 }
        }
        for name in Self.fieldNames where name != "epochs" {
            guard let value = given[name] else { continue }
            let savedText = saved[name].map(Self.text) ?? "none"
            if Self.text(of: value) == savedText { continue }
            return "--\(Self.flagName(name)) \(Self.text(of: value)) (the checkpointed run has \(savedText))"
        }
        return nil
    }

    /// A JSON value as a message shows it: `8`, `adam`, `a, b`.
    private static func text(of value: Any) -> String {
        if let string = value as? String { return string }
        if let list = value as? [Any] { return list.map(text).joined(separator: ", ") }
        return (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
    }
}
