import GRUTraining

extension TrainingRecipe {
    /// The first setting this recipe gives that differs from the run checkpointed with
    /// `manifest`, as "--hidden-size 16 (the checkpointed run has 8)"; nil when every setting
    /// given matches. A resumed run continues with its own settings, so a different one given
    /// with --resume would otherwise be silently ignored. Only `epochs` may change.
    func conflict(withResumed manifest: ModelDirectory.Manifest) -> String? {
        let model = manifest.model, training = manifest.training, data = manifest.dataOptions
        let settings: [(flag: String, given: AnyHashable?, saved: AnyHashable?)] = [
            ("--task", task, manifest.data.task), ("--format", format, data.format),
            ("--window", window, data.window), ("--horizon", horizon, data.horizon),
            ("--sequence-length", sequenceLength, data.sequenceLength),
            ("--max-vocabulary", maxVocabulary, data.maximumVocabularySize),
            ("--min-frequency", minFrequency, data.minimumTokenFrequency),
            ("\"normalize\"", normalize, data.normalizesFeatures), ("\"target_columns\"", targetColumns, data.targetColumns),
            ("--validation-fraction", validationFraction, training.validationFraction),
            ("--max-length", maxLength, training.maximumLength),
            ("--hidden-size", hiddenSize, model.hiddenSize), ("--layers", layers, model.layerCount),
            ("--bidirectional", bidirectional, model.isBidirectional), ("--variant", variant, model.variant),
            ("--embedding-size", embeddingSize, model.embeddingSize), ("--pooling", pooling, model.pooling),
            ("--initialization", initialization, model.initialization),
            ("--input-dropout", inputDropout, model.inputDropout), ("--layer-dropout", layerDropout, model.betweenLayerDropout),
            ("--recurrent-dropout", recurrentDropout, model.recurrentDropout),
            ("--output-dropout", outputDropout, model.outputDropout),
            ("--batch-size", batchSize, training.batchSize), ("--optimizer", optimizer, training.optimizer),
            ("--learning-rate", learningRate, training.learningRate), ("--momentum", momentum, training.momentum),
            ("--nesterov", nesterov, training.nesterov), ("--weight-decay", weightDecay, training.weightDecay),
            ("--clip-norm", clipNorm, training.clipNorm), ("--clip-value", clipValue, training.clipValue),
            ("--schedule", schedule, training.schedule), ("--step-size", stepSize, training.stepSize),
            ("--decay-factor", decayFactor, training.decayFactor), ("--warmup-steps", warmupSteps, training.warmupSteps),
            ("--schedule-patience", schedulePatience, training.schedulePatience),
            ("--early-stopping", earlyStopping, training.earlyStoppingPatience),
            ("--label-smoothing", labelSmoothing, training.labelSmoothing),
            ("--balance-classes", balanceClasses, training.balanceClasses), ("--loss", loss, training.regressionLoss),
            ("--truncated-bptt", truncatedBptt, training.truncatedBPTT), ("--seed", seed, training.seed),
        ]
        for setting in settings {
            guard let given = setting.given, given != setting.saved else { continue }
            let saved = setting.saved.map { "\($0.base)" } ?? "none"
            return "\(setting.flag) \(given.base) (the checkpointed run has \(saved))"
        }
        return nil
    }
}
