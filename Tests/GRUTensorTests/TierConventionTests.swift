import Foundation
import GRUTestSupport
import Testing

/// Every suite in Tests/ has one tier tag and the type name that `--filter` selects it by
/// (Tests/GRUTestSupport/Tiers.swift): a suite added without them would run in no tier, or in
/// the wrong one. Read from the sources, since Swift Testing lists its tests only to itself.
@Suite(.tags(.unit))
struct TierConventionTests {
    static let testsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The tag a suite named `name` must carry.
    static func tier(ofSuiteNamed name: String) -> String {
        name.hasSuffix("ReferenceTests") ? "reference" : name.hasSuffix("EndToEndTests") ? "endToEnd" : "unit"
    }

    @Test func everySuiteIsTaggedWithTheTierItsNameSays() throws {
        let files = try #require(FileManager.default.enumerator(atPath: Self.testsDirectory.path))
            .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") && !$0.hasPrefix("GRUTestSupport/") }
        var suites = 0
        for file in files {
            let lines = try String(contentsOf: Self.testsDirectory.appendingPathComponent(file), encoding: .utf8)
                .components(separatedBy: "\n")
            for (index, line) in lines.enumerated() {
                guard let name = Self.topLevelTypeName(line) else { continue }
                // The type's body runs to the next top-level declaration.
                let body = lines[(index + 1)...].prefix {
                    Self.topLevelTypeName($0) == nil && !$0.hasPrefix("extension ")
                }
                guard body.contains(where: { $0.contains("@Test") }) else { continue }
                suites += 1
                let attribute = index > 0 ? lines[index - 1] : ""
                let tier = Self.tier(ofSuiteNamed: name)
                #expect(
                    attribute.hasPrefix("@Suite(") && attribute.contains(".tags(.\(tier)))"),
                    "\(file): suite \(name) needs .tags(.\(tier)) on its @Suite line; found '\(attribute)'")
            }
        }
        // A floor, not an exact count: only that the walk found the suites (70 when this was
        // written); every branch that adds a suite would otherwise have to edit this line.
        #expect(suites >= 70, "found \(suites) suites under \(Self.testsDirectory.path)")
    }

    /// The name of a top-level struct or class declared on `line`.
    static func topLevelTypeName(_ line: String) -> String? {
        for keyword in ["struct ", "final class ", "class "] where line.hasPrefix(keyword) {
            return String(line.dropFirst(keyword.count).prefix { $0.isLetter || $0.isNumber || $0 == "_" })
        }
        return nil
    }
}
