extension FormatError {
    /// The same error with the control characters and line separators of its problem escaped
    /// (a newline as `\n`), so that names taken from a file (nodes, tensors, attributes) cannot
    /// break its one line.
    package var escapingControlCharacters: FormatError {
        let breaking: Set<Unicode.GeneralCategory> = [.control, .lineSeparator, .paragraphSeparator]
        let escaped = problem.unicodeScalars.map { scalar in
            breaking.contains(scalar.properties.generalCategory) ? scalar.escaped(asASCII: true) : String(scalar)
        }
        return FormatError(subject, escaped.joined())
    }
}
