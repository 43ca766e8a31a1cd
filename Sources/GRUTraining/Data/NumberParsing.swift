/// The finite number `text` spells, ignoring surrounding spaces and tabs; nil for anything else
/// (empty text, words, `nan`, `inf`, and values beyond Float's range).
func finiteFloat(_ text: some StringProtocol) -> Float? {
    let trimmed = text.trimmingSpaces
    guard !trimmed.isEmpty, let value = Float(trimmed), value.isFinite else { return nil }
    return value
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        // Spaces and tabs are single ASCII bytes, so the UTF-8 view finds the ends without
        // the grapheme breaking that walking Characters costs.
        let text = Substring(String(self))
        let bytes = text.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start = bytes.index(after: start) }
        while start < end {
            let last = bytes.index(before: end)
            guard bytes[last] == 0x20 || bytes[last] == 0x09 else { break }
            end = last
        }
        return String(text[start..<end])
    }
}
