import Foundation

/// The JSON coding that moves settings between groups and options (see `overlaying`):
/// infinities and NaN, which a flag may give, survive the trip as strings, so the options'
/// checks name them rather than the coding failing.
package enum SettingsJSON {
    /// An encoder of settings.
    package static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// A decoder of what `encoder` writes.
    package static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// The fields of `value` as a JSON object, by name; fields that are nil are absent.
    package static func fields(of value: some Encodable) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: encoder().encode(value)) as? [String: Any] ?? [:]
    }
}
