/// The line `gru` prints for an error: "error: " and the error's description, with control
/// characters and line separators written as escapes (`\r`, `\u{B}`), so that a quoted field
/// of a malformed file cannot break the message into lines or overwrite it on a terminal.
func errorLine(_ error: any Error) -> String {
    "error: " + String(describing: error).unicodeScalars.map(escapedForOneLine).joined() + "\n"
}

/// `scalar` as it is, or as a Swift-style escape when it is a control character or a line or
/// paragraph separator.
private func escapedForOneLine(_ scalar: Unicode.Scalar) -> String {
    switch scalar {
    case "\n": return "\\n"
    case "\r": return "\\r"
    case "\t": return "\\t"
    default:
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator:
            return "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        default:
            return String(scalar)
        }
    }
}
