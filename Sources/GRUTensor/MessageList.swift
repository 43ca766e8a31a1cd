/// `names` quoted for a one-line message: all of them when few, else the first `limit` and a
/// count, so that a file with 200,000 tensors does not make a 2 MB error line.
package func listForMessage(_ names: [String], limit: Int = 10) -> String {
    let quoted = names.prefix(limit).map { "'\($0)'" }.joined(separator: ", ")
    return names.count > limit ? quoted + ", ... (\(names.count) in all)" : quoted
}
