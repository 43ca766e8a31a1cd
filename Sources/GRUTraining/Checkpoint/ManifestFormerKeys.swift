import Foundation

extension ModelDirectory.Manifest {
    /// The keys of model.json that earlier versions wrote, by section, and their names now:
    /// a model directory trained before a setting was renamed still loads.
    static let formerKeys: [String: [String: String]] = [
        "model": ["layerCount": "layers", "isBidirectional": "bidirectional", "betweenLayerDropout": "layerDropout"],
        "training": [
            "earlyStoppingPatience": "earlyStopping", "maximumLength": "maxLength", "regressionLoss": "loss",
            "truncatedBPTT": "truncatedBptt",
        ],
        "dataOptions": [
            "maximumVocabularySize": "maxVocabulary", "minimumTokenFrequency": "minFrequency",
            "normalizesFeatures": "normalize",
        ],
    ]

    /// model.json's bytes with every former key given its current name; the bytes as they are
    /// when they hold none (or are not a JSON object, which decoding then reports).
    static func renamingFormerKeys(_ data: Data) -> Data {
        guard var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return data }
        var renamed = false
        for (section, names) in formerKeys {
            guard var values = object[section] as? [String: Any] else { continue }
            for (former, current) in names {
                guard let value = values[former], values[current] == nil else { continue }
                values[current] = value
                values[former] = nil
                renamed = true
            }
            object[section] = values
        }
        guard renamed, let result = try? JSONSerialization.data(withJSONObject: object) else { return data }
        return result
    }
}
