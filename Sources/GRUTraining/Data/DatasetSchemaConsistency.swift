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
        func require(_ condition: Bool, found: @autoclosure () -> String, expected: @autoclosure () -> String) throws {
            if !condition { throw GRUInputError(.setting("data schema"), found: found(), expected: expected()) }
        }
        try require(
            task == model.task, found: "task \(task.rawValue)", expected: "\(model.task.rawValue), the model's task")
        try require(
            (vocabulary == nil) != (featureNames == nil),
            found: vocabulary == nil ? "neither a vocabulary nor feature names" : "both a vocabulary and feature names",
            expected: "either a vocabulary or feature names")
        if let vocabularySize = model.vocabularySize {
            try require(
                vocabulary?.count == vocabularySize,
                found: vocabulary.map { "\($0.count) tokens" } ?? "feature names instead of a vocabulary",
                expected: "\(vocabularySize) tokens, the token ids the model reads")
        }
        if let featureCount = model.featureCount {
            try require(
                featureNames?.count == featureCount,
                found: featureNames.map { "\($0.count) feature names" } ?? "a vocabulary instead of feature names",
                expected: "\(featureCount) feature names, the features the model reads")
        }
        if let featureNormalization, let featureNames {
            try require(
                featureNormalization.featureCount == featureNames.count,
                found: "feature normalization of \(featureNormalization.featureCount) features",
                expected: "\(featureNames.count), one a feature name")
        }
        switch task {
        case .seq2seq:
            try require(
                false, found: "task seq2seq",
                expected: "the schema of a one-stack model (seq2seq models keep their own)")
        case .classify, .tag:
            try require(labels != nil, found: "no labels", expected: "the labels of a \(task.rawValue) model")
        case .languageModel:
            try require(vocabulary != nil, found: "no vocabulary", expected: "the vocabulary of a language model")
        case .forecast:
            let largest = DataOptions.largestCount
            try require(
                !(targetNames ?? []).isEmpty, found: "no target names", expected: "the target names of a forecast model"
            )
            try require(
                window.map { (1...largest).contains($0) } ?? false,
                found: "window \(window.map(String.init) ?? "missing")", expected: "1...\(largest)")
            try require(
                horizon.map { (1...largest).contains($0) } ?? false,
                found: "horizon \(horizon.map(String.init) ?? "missing")", expected: "1...\(largest)")
            if let targetNormalization, let targetNames {
                try require(
                    targetNormalization.featureCount == targetNames.count,
                    found: "target normalization of \(targetNormalization.featureCount) targets",
                    expected: "\(targetNames.count), one a target name")
            }
        }
        try require(
            outputSize == model.outputSize,
            found: "\(outputDescription), which make \(outputSize) values a prediction",
            expected: "\(model.outputSize), the values the model writes")
    }

    /// What `outputSize` counts, for messages.
    private var outputDescription: String {
        switch task {
        case .classify, .tag: return "\(labels?.count ?? 0) labels"
        case .languageModel: return "\(vocabulary?.count ?? 0) tokens"
        case .forecast: return "horizon \(horizon ?? 1) and \(targetNames?.count ?? 0) targets"
        case .seq2seq: return "an encoder-decoder's vocabularies"
        }
    }
}
