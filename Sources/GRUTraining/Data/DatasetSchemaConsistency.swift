import GRUNetworks

extension DatasetSchema {
    /// Checks that this schema describes the data of `model`: the same task and kind of input,
    /// as many tokens or features as the model reads, as many classes or forecast values as
    /// it writes, and normalization statistics for every feature and target.
    ///
    /// A model.json written by `gru train` always passes; one edited by hand may not, and a
    /// mismatch would otherwise surface as a wrong index deep in batching.
    ///
    /// - Throws: `GRUInputError` naming the first part that does not fit, with the model's
    ///   value and the schema's.
    public func validate(for model: ModelConfiguration) throws {
        func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
            if !condition { throw GRUInputError("data schema: \(message())") }
        }
        try require(task == model.task, "the task is \(task.rawValue), but the model's is \(model.task.rawValue)")
        try require((vocabulary == nil) != (featureNames == nil), "expected either a vocabulary or feature names")
        if let vocabularySize = model.vocabularySize {
            try require(
                vocabulary?.count == vocabularySize,
                "the model reads \(vocabularySize) token ids, but the schema has "
                    + (vocabulary.map { "\($0.count) tokens" } ?? "feature names instead of a vocabulary"))
        }
        if let featureCount = model.featureCount {
            try require(
                featureNames?.count == featureCount,
                "the model reads \(featureCount) features, but the schema has "
                    + (featureNames.map { "\($0.count) feature names" } ?? "a vocabulary instead of feature names"))
        }
        if let featureNormalization, let featureNames {
            try require(
                featureNormalization.featureCount == featureNames.count,
                "feature normalization has \(featureNormalization.featureCount) means for \(featureNames.count) features")
        }
        switch task {
        case .classify, .tag:
            try require(labels != nil, "a \(task.rawValue) model needs its labels")
        case .languageModel:
            try require(vocabulary != nil, "a language model needs its vocabulary")
        case .forecast:
            let largest = DataOptions.largestCount
            try require(!(targetNames ?? []).isEmpty, "a forecast model needs its target names")
            try require(window.map { (1...largest).contains($0) } ?? false,
                        "the window is \(window.map(String.init) ?? "missing"); expected 1...\(largest)")
            try require(horizon.map { (1...largest).contains($0) } ?? false,
                        "the horizon is \(horizon.map(String.init) ?? "missing"); expected 1...\(largest)")
            if let targetNormalization, let targetNames {
                try require(
                    targetNormalization.featureCount == targetNames.count,
                    "target normalization has \(targetNormalization.featureCount) means for \(targetNames.count) targets")
            }
        }
        try require(
            outputSize == model.outputSize,
            "the model writes \(model.outputSize) values a prediction, but the schema's \(outputDescription) make \(outputSize)")
    }

    /// What `outputSize` counts, for messages.
    private var outputDescription: String {
        switch task {
        case .classify, .tag: return "\(labels?.count ?? 0) labels"
        case .languageModel: return "\(vocabulary?.count ?? 0) tokens"
        case .forecast: return "horizon \(horizon ?? 1) and \(targetNames?.count ?? 0) targets"
        }
    }
}
