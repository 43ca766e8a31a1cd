import Foundation

/// The three fields of a .npy header dict: `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
struct NpyHeader {
    /// The dtype descriptor string, such as `<f4`.
    var descr: String
    /// Whether the data is stored column-major.
    var fortranOrder: Bool
    /// The array's extents, outermost first.
    var shape: [Int]

    /// A header with the given fields.
    init(descr: String, fortranOrder: Bool, shape: [Int]) {
        self.descr = descr
        self.fortranOrder = fortranOrder
        self.shape = shape
    }

    /// The header parsed from its bytes (the dict literal and its padding).
    ///
    /// - Throws: `FormatError` about `name` when the text is not a dict literal with exactly the
    ///   keys 'descr', 'fortran_order' and 'shape', or a value has the wrong type.
    init(parsing bytes: [UInt8], name: String) throws {
        let literal: PythonLiteral
        do {
            var parser = PythonLiteralParser(bytes)
            literal = try parser.parseDocument()
        } catch {
            throw FormatError(name, "malformed header \(Self.quoted(bytes)): \(error.reason)")
        }
        guard case .dictionary(let pairs) = literal else {
            throw FormatError(
                name,
                "malformed header \(Self.quoted(bytes)): expected a dict, found \(Self.abbreviated(literal.pythonText))"
            )
        }
        // As in Python, a repeated key keeps its last value.
        var fields: [String: PythonLiteral] = [:]
        for (key, value) in pairs { fields[key] = value }
        let expected = ["descr", "fortran_order", "shape"]
        if let extra = fields.keys.sorted().first(where: { !expected.contains($0) }) {
            throw FormatError(
                name, "header has the unexpected key '\(extra)'; expected only 'descr', 'fortran_order' and 'shape'")
        }
        if let missing = expected.first(where: { fields[$0] == nil }) {
            throw FormatError(
                name, "header is missing the key '\(missing)'; expected 'descr', 'fortran_order' and 'shape'")
        }

        guard case .string(let descr) = fields["descr"]! else {
            throw FormatError(
                name,
                "dtype \(fields["descr"]!.pythonText) is not supported; expected one of \(NpyElementType.supportedDescriptions)"
            )
        }
        guard case .boolean(let fortranOrder) = fields["fortran_order"]! else {
            throw FormatError(
                name, "header 'fortran_order' is \(fields["fortran_order"]!.pythonText); expected True or False")
        }
        let shapeLiteral = fields["shape"]!
        guard let shape = Self.extents(shapeLiteral) else {
            throw FormatError(
                name, "header 'shape' is \(shapeLiteral.pythonText); expected a tuple of non-negative integers")
        }
        self.descr = descr
        self.fortranOrder = fortranOrder
        self.shape = shape
    }

    /// The header dict as numpy writes it, growth padding included but without the final
    /// alignment padding and newline.
    var text: String {
        var text =
            "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(Self.pythonTuple(shape)), }"
        // numpy leaves room for the growing axis to reach 21 digits so that appending can
        // rewrite the header in place; matching it keeps the output byte-identical to np.save.
        if let growing = fortranOrder ? shape.last : shape.first {
            text += String(repeating: " ", count: max(0, 21 - String(growing).count))
        }
        return text
    }

    /// A shape as Python writes a tuple of ints: `()`, `(3,)`, `(2, 3)`.
    static func pythonTuple(_ shape: [Int]) -> String {
        PythonLiteral.tuple(shape.map { .integer($0) }).pythonText
    }

    /// The extents a shape literal holds, or nil unless it is a tuple of non-negative integers.
    private static func extents(_ literal: PythonLiteral) -> [Int]? {
        guard case .tuple(let items) = literal else { return nil }
        var extents: [Int] = []
        for item in items {
            guard case .integer(let extent) = item, extent >= 0 else { return nil }
            extents.append(extent)
        }
        return extents
    }

    /// The header text for an error message, trimmed and shortened to stay on one line.
    private static func quoted(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(abbreviated(text))\""
    }

    /// At most 80 characters of `text`, for a message.
    private static func abbreviated(_ text: String) -> String {
        text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}
