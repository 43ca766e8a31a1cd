import GRUNetworks
import GRUTraining

/// How `gru evaluate` and `gru predict` decode an encoder-decoder's outputs: the beam's width
/// (1 is greedy), the length normalization's exponent and the output limit, which defaults to
/// the model's own (`Manifest.maxOutputLength`, set at training from the longest target).
public struct Seq2SeqDecoding: Equatable, Sendable {
    /// Hypotheses kept per source each step.
    public var beamWidth: Int
    /// A hypothesis scores its log-probability / length^`lengthPenalty` (0: the plain sum).
    public var lengthPenalty: Double
    /// The most tokens an output holds, the end token included; nil for the model's.
    public var maxOutputLength: Int?

    /// Settings of the given values; `run` checks them.
    public init(beamWidth: Int = 1, lengthPenalty: Double = 0, maxOutputLength: Int? = nil) {
        self.beamWidth = beamWidth
        self.lengthPenalty = lengthPenalty
        self.maxOutputLength = maxOutputLength
    }

    /// The search's options for a model of this manifest.
    ///
    /// - Throws: `GRUInputError` naming the flag of a width or limit below 1, or a length
    ///   penalty that is negative or not finite.
    func options(for manifest: EncoderDecoderDirectory.Manifest) throws -> DecodingOptions {
        guard beamWidth >= 1 else {
            throw GRUInputError(.setting("--beam-width"), found: "\(beamWidth)", expected: "at least 1")
        }
        guard lengthPenalty.isFinite, lengthPenalty >= 0 else {
            throw GRUInputError(
                .setting("--length-penalty"), found: "\(lengthPenalty)", expected: "a finite exponent of 0 or more")
        }
        let limit = maxOutputLength ?? manifest.maxOutputLength
        guard limit >= 1 else {
            throw GRUInputError(.setting("--max-output-length"), found: "\(limit)", expected: "at least 1")
        }
        return DecodingOptions(
            beamWidth: beamWidth, maxLength: limit, lengthPenalty: lengthPenalty,
            startToken: TranslationVocabularies.startID, endToken: TranslationVocabularies.endID)
    }
}
