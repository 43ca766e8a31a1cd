/// The learning problem a data set is prepared for; the raw values are the `gru train --task` names.
public enum SequenceTask: String, Codable, Sendable, CaseIterable {
    /// One class per sequence (sentiment of a review, the speaker of a recording).
    case classify
    /// One class per time step (part-of-speech or named-entity tags).
    case tag
    /// Real values that follow a window of a time series (the next `horizon` steps).
    case forecast
    /// The next token at every step of a text.
    case languageModel = "language-model"
    /// Another token sequence of its own length for each (source TAB target pairs): the
    /// encoder-decoder (`EncoderDecoderModel`), which `gru train --task seq2seq` trains.
    case seq2seq
}
