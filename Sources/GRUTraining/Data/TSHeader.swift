import GRUFormats

/// The metadata block of a UEA/UCR .ts file: the `@` lines before `@data`.
///
/// Follows the sktime `.ts` specification v1.0: identifiers are case-insensitive (`@seriesLength`
/// and `@serieslength` are the same), `@dimension` and `@dimensions` both give the number of
/// dimensions, the older `@multivariate true N` stands for `@univariate false` and `@dimensions N`,
/// and `#` lines are comments.
struct TSHeader {
    var problemName: String?
    var hasTimestamps = false
    var declaresMissing = false
    var isUnivariate: Bool?
    var dimensions: Int?
    var isEqualLength: Bool?
    var seriesLength: Int?
    /// The class labels in declaration order; nil until `@classLabel true ...` is read, and for
    /// unlabelled cases.
    var classLabels: [String]?
    /// Whether the header declares `@classLabel false`: cases without a label, which only
    /// prediction reads.
    var isUnlabelled = false
    /// The line after `@data`, where the cases start.
    var dataStart = 0

    /// The header of `lines`, read up to and including `@data`.
    ///
    /// - Throws: `FormatError` naming `file:line` for an unknown identifier, a value that is not
    ///   what the identifier takes, a repeated identifier, timestamps, regression targets, no
    ///   class labels, data before `@data`, or naming the file when `@data` never comes.
    ///
    /// - Parameter requiresTargets: false accepts `@classLabel false` (unlabelled cases).
    init(lines: [DataFile.Line], file: String, requiresTargets: Bool = true) throws {
        /// The line of each identifier seen, by its meaning: a second @dimensions (or
        /// @dimension) would otherwise silently replace the first.
        var seen: [String: Int] = [:]
        for (position, line) in lines.enumerated() {
            let text = line.text.trimmingSpaces
            if text.isEmpty || text.hasPrefix("#") { continue }
            guard text.hasPrefix("@") else {
                throw FormatError(
                    file, line: line.number, "found data before @data; expected @ header lines, then @data")
            }
            let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let key = parts[0].dropFirst().lowercased()
            let values = Array(parts.dropFirst())
            let meaning = key == "dimension" ? "dimensions" : key
            if let earlier = seen[meaning] {
                throw FormatError(
                    file, line: line.number,
                    "@\(parts[0].dropFirst()) repeats the header of line \(earlier); expected each header once")
            }
            seen[meaning] = line.number
            func flag() throws -> Bool {
                guard values.count == 1, let value = Bool(values[0].lowercased()) else {
                    throw FormatError(
                        file, line: line.number,
                        "@\(parts[0].dropFirst()) takes true or false; found '\(values.joined(separator: " "))'")
                }
                return value
            }
            func count() throws -> Int {
                guard values.count == 1, let value = Int(values[0]), value > 0 else {
                    throw FormatError(
                        file, line: line.number,
                        "@\(parts[0].dropFirst()) takes a positive integer; found '\(values.joined(separator: " "))'")
                }
                return value
            }
            switch key {
            case "problemname": problemName = values.joined(separator: " ")
            case "timestamps":
                hasTimestamps = try flag()
                if hasTimestamps {
                    throw FormatError(
                        file, line: line.number,
                        "timestamped series (@timeStamps true) are not supported; expected @timeStamps false")
                }
            case "missing": declaresMissing = try flag()
            case "univariate": isUnivariate = try flag()
            case "dimension", "dimensions": dimensions = try count()
            case "multivariate":
                // Older archive files write `@multivariate true 12` for `@univariate false`, `@dimensions 12`.
                guard let first = values.first.flatMap({ Bool($0.lowercased()) }), values.count == (first ? 2 : 1),
                    first ? Int(values[1]).map({ $0 > 0 }) == true : true
                else {
                    throw FormatError(
                        file, line: line.number,
                        "@multivariate takes false, or true and the number of dimensions; found '\(values.joined(separator: " "))'"
                    )
                }
                isUnivariate = !first
                if first { dimensions = Int(values[1]) }
            case "equallength": isEqualLength = try flag()
            case "serieslength": seriesLength = try count()
            case "targetlabel":
                if try flag() {
                    throw FormatError(
                        file, line: line.number,
                        "regression targets (@targetLabel true) are not supported; expected @classLabel true and class labels"
                    )
                }
            case "classlabel":
                if !requiresTargets, values.count == 1, values[0].lowercased() == "false" {
                    isUnlabelled = true
                    classLabels = nil
                    continue
                }
                guard values.first?.lowercased() == "true" else {
                    throw FormatError(
                        file, line: line.number,
                        "found @classLabel \(values.first ?? "with no value"); expected @classLabel true followed by the class labels"
                    )
                }
                guard values.count >= 2 else {
                    throw FormatError(
                        file, line: line.number,
                        "@classLabel true lists no labels; expected the class labels after true")
                }
                guard let labels = LabelSet(names: Array(values.dropFirst())) else {
                    throw FormatError(
                        file, line: line.number, "@classLabel lists a label twice; expected distinct labels")
                }
                classLabels = labels.names
                isUnlabelled = false
            case "data":
                guard classLabels != nil || isUnlabelled else {
                    throw FormatError(
                        file, line: line.number,
                        "@data comes before any @classLabel line; expected @classLabel true followed by the class labels"
                    )
                }
                if isUnivariate == true, let dimensions, dimensions != 1 {
                    throw FormatError(
                        file, line: line.number, "@univariate true disagrees with @dimensions \(dimensions)")
                }
                dataStart = position + 1
                return
            default:
                throw FormatError(
                    file, line: line.number,
                    "unknown header '@\(parts[0].dropFirst())'; expected @problemName, @timeStamps, @missing, @univariate, @multivariate, @dimensions, @equalLength, @seriesLength, @classLabel or @data"
                )
            }
        }
        throw FormatError(file, "no @data line; expected the header to end with @data and the cases to follow")
    }

    /// The number of dimensions the header declares: 1 when univariate, else `@dimensions`, else nil.
    var declaredDimensions: Int? {
        isUnivariate == true ? 1 : dimensions
    }
}
