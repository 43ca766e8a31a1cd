import GRUNetworks
import GRUTraining

extension TrainingRecipe {
    /// The error for the first setting given that has no effect on a model for data of
    /// `schema`, read from `file`: "--loss: given for a classify model from tiny.ts; expected
    /// forecast models only"; nil when every setting given applies. Left unreported, `--loss
    /// mae` on a classifier would be silently ignored.
    func inapplicableSetting(for schema: DatasetSchema, file: String) -> GRUInputError? {
        let task = schema.task, tokens = schema.vocabulary != nil
        let settings: [(flag: String, given: Bool, applies: Bool, models: String)] = [
            ("--loss", optimization.loss != nil, task == .forecast, "forecast models"),
            ("--window", data.window != nil, task == .forecast, "forecast models"),
            ("--horizon", data.horizon != nil, task == .forecast, "forecast models"),
            ("--sequence-length", data.sequenceLength != nil, task == .languageModel, "language models"),
            ("--truncated-bptt", optimization.truncatedBptt == true, task == .languageModel, "language models"),
            (
                "--pooling", model.pooling != nil, task == .classify || task == .forecast,
                "classify and forecast models (one output a sequence)"
            ),
            (
                "--balance-classes", optimization.balanceClasses == true, task == .classify || task == .tag,
                "classify and tag models"
            ),
            (
                "--label-smoothing", optimization.labelSmoothing != nil, task != .forecast,
                "classify, tag and language models"
            ),
            ("--embedding-size", model.embeddingSize != nil, tokens, "models of token input (text)"),
            ("--variant", model.variant != nil, (model.cell ?? .gru) == .gru, "GRU models (--cell gru)"),
            ("--nonlinearity", model.nonlinearity != nil, model.cell == .rnn, "plain RNN models (--cell rnn)"),
            (
                "--activation", model.activation != nil, [.gru, .lstm].contains(model.cell ?? .gru),
                "GRU and LSTM models (--cell gru, lstm)"
            ),
            (
                "--recurrent-activation", model.recurrentActivation != nil, [.gru, .lstm].contains(model.cell ?? .gru),
                "GRU and LSTM models (--cell gru, lstm)"
            ),
            ("--max-vocabulary", data.maxVocabulary != nil, tokens, "models of token input (text)"),
            ("--min-frequency", data.minFrequency != nil, tokens, "models of token input (text)"),
            ("--attention", model.attention != nil, task == .seq2seq, "seq2seq models"),
            ("--source-tokens", data.sourceTokens != nil, task == .seq2seq, "seq2seq models"),
            ("--target-tokens", data.targetTokens != nil, task == .seq2seq, "seq2seq models"),
            ("--scheduled-sampling", optimization.scheduledSampling != nil, task == .seq2seq, "seq2seq models"),
            (
                "--scheduled-sampling-ramp", optimization.scheduledSamplingRamp != nil, task == .seq2seq,
                "seq2seq models"
            ),
        ]
        guard let setting = settings.first(where: { $0.given && !$0.applies }) else { return nil }
        return GRUInputError(
            .setting(setting.flag), found: "given for a \(task.rawValue) model from \(file)",
            expected: "\(setting.models) only; leave it out")
    }
}
