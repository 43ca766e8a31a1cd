import Foundation

/// The member names of the top-level JSON object in `bytes`, in order and with any repeats.
///
/// JSONSerialization keeps one value per repeated key without saying so; this scan finds the
/// repeats. It assumes `bytes` is valid JSON whose top level is an object, which the caller has
/// checked with JSONSerialization.
func topLevelJSONObjectKeys(_ bytes: [UInt8]) -> [String] {
    var keys: [String] = []
    var depth = 0
    var expectingKey = false
    var index = 0
    while index < bytes.count {
        switch bytes[index] {
        case UInt8(ascii: "\""):
            let end = endOfJSONString(bytes, from: index)
            if depth == 1 && expectingKey {
                // Decoding the quoted text as a JSON fragment applies every escape exactly.
                let quoted = Data(bytes[index..<end])
                if let key = try? JSONSerialization.jsonObject(with: quoted, options: .fragmentsAllowed) as? String {
                    keys.append(key)
                }
                expectingKey = false
            }
            index = end
            continue
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            depth += 1
            expectingKey = depth == 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            depth -= 1
        case UInt8(ascii: ","):
            expectingKey = depth == 1
        default:
            break
        }
        index += 1
    }
    return keys
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
