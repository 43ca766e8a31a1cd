import ArgumentParser
import GRUKit

/// The flags of how `gru evaluate` and `gru predict` decode a seq2seq model's outputs
/// (`Seq2SeqDecoding`); refused for the other models.
struct DecodingFlags: ParsableArguments {
    @Option(help: "Seq2seq models: the beam search's width (default 1, greedy).") var beamWidth: Int?
    @Option(
        help:
            "Seq2seq models: length normalization, a hypothesis scoring its log-probability / length^P (default 0, the plain sum; 1 the mean per token)."
    )
    var lengthPenalty: Double?
    @Option(
        help:
            "Seq2seq models: the most tokens an output holds, the end token included (default: the model's, from its training targets)."
    )
    var maxOutputLength: Int?

    /// The settings given, defaults for the rest.
    var decoding: Seq2SeqDecoding {
        Seq2SeqDecoding(beamWidth: beamWidth ?? 1, lengthPenalty: lengthPenalty ?? 0, maxOutputLength: maxOutputLength)
    }

    /// Refuses any of these flags for a model that is not an encoder-decoder.
    func refuseForOneStackModel() throws {
        let given = [
            ("--beam-width", beamWidth.map { "\($0)" }), ("--length-penalty", lengthPenalty.map { "\($0)" }),
            ("--max-output-length", maxOutputLength.map { "\($0)" }),
        ]
        if let (flag, value) = given.first(where: { $0.1 != nil }) {
            throw ValidationError("\(flag) \(value!): given for a one-stack model; expected seq2seq models only")
        }
    }
}
