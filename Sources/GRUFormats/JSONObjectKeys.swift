import Foundation

/// The first key that an object in the JSON text `bytes` names twice, with the key of the
/// object it is in (nil for the top level); nil when no object repeats a key.
///
/// JSONSerialization keeps one value per repeated key without saying so; this scan finds the
/// repeats, at any depth (a tensor named twice, or `variant` twice in `__metadata__`). It
/// assumes `bytes` is valid JSON, which the caller has checked with JSONSerialization.
package func firstRepeatedJSONObjectKey(_ bytes: [UInt8]) -> (key: String, object: String?)? {
    /// An open object (its keys so far and its own key) or an array (nil).
    var open: [(keys: Set<String>, name: String?)?] = []
    var lastKey: String?
    var expectingKey = false
    var index = 0
    while index < bytes.count {
        switch bytes[index] {
        case UInt8(ascii: "\""):
            let end = endOfJSONString(bytes, from: index)
            if expectingKey, let last = open.indices.last, open[last] != nil {
                // Decoding the quoted text as a JSON fragment applies every escape exactly.
                let quoted = Data(bytes[index..<end])
                if let key = try? JSONSerialization.jsonObject(with: quoted, options: .fragmentsAllowed) as? String {
                    if open[last]!.keys.contains(key) { return (key, open[last]!.name) }
                    // In place: a copy of the set per key made 200,000 names take minutes.
                    open[last]!.keys.insert(key)
                    lastKey = key
                }
                expectingKey = false
            }
            index = end
            continue
        case UInt8(ascii: "{"):
            // The object's own key: the key just read, when it is a member of an object.
            let name = (open.last ?? nil) != nil ? lastKey : nil
            open.append((keys: [], name: name))
            expectingKey = true
        case UInt8(ascii: "["):
            open.append(nil)
            expectingKey = false
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            _ = open.popLast()
            expectingKey = false
        case UInt8(ascii: ","):
            expectingKey = (open.last ?? nil) != nil
        default:
            break
        }
        index += 1
    }
    return nil
}

/// The index just past the closing quote of the JSON string whose opening quote is at `start`.
private func endOfJSONString(_ bytes: [UInt8], from start: Int) -> Int {
    var index = start + 1
    while index < bytes.count {
        switch bytes[index] {
        case UInt8(ascii: "\\"): index += 2
        case UInt8(ascii: "\""): return index + 1
        default: index += 1
        }
    }
    return bytes.count
}
