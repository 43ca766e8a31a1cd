import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `gru bench --cell lstm` and `--regularizers` run as a user runs them: records that carry
/// their cell and regularizer, the LSTM's FLOPs counted with four gates, and the table's ratio
/// of each regularizer case to the plain S2 training step.
@Suite(.tags(.endToEnd))
struct BenchCellsEndToEndTests {
    private func records(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try CommandRunner.run(["bench", "--quick", "--json", "--repeats", "1"] + arguments)
        #expect(result.exitCode == 0, "\(result.standardError)")
        let parsed = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
        return try #require(parsed as? [[String: Any]], "expected a JSON array of objects: \(result.standardOutput)")
    }

    @Test func lstmRecordsCarryTheirCellAndCountFourGates() throws {
        let records = try records(["--cell", "lstm", "--cases", "S1,stream-H128,B2-T5-I4-H8"])
        #expect(
            records.map { "\($0["case"]!) \($0["mode"]!)" }
                == ["S1 forward", "stream-H128 stream", "B2-T5-I4-H8 forward"])
        for record in records {
            #expect(record["cell"] as? String == "lstm")
            #expect(record["regularizer"] == nil)
            let batch = try #require(record["batch"] as? Int), steps = try #require(record["steps"] as? Int)
            let input = try #require(record["input_size"] as? Int), hidden = try #require(record["hidden_size"] as? Int)
            let median = try #require(record["median_ms"] as? Double),
                gflops = try #require(record["gflops"] as? Double)
            let flops = 8.0 * Double(input * hidden + hidden * hidden) * Double(steps * batch)
            #expect(abs(gflops - flops / (median / 1000) / 1e9) <= 1e-6 * gflops, "\(record["case"]!)")
        }
    }

    @Test func regularizersRunBesideThePlainTrainingStep() throws {
        let records = try records(["--regularizers", "--cases", "S1"])
        #expect(
            records.map { "\($0["case"]!) \($0["regularizer"] ?? "-")" }
                == [
                    "S1 -", "S2 -", "S2-layer-norm layer-norm", "S2-zoneout zoneout", "S2-weight-drop weight-drop",
                    "S2-recurrent-dropout recurrent-dropout",
                ])
        #expect(
            records.dropFirst().allSatisfy { $0["mode"] as? String == "train" && $0["cell"] as? String == "gru" })
        let lstm = try self.records(["--cell", "lstm", "--regularizers", "--cases", "S2-zoneout"])
        #expect(
            lstm.map { "\($0["case"]!) \($0["cell"]!)" }
                == ["S2 lstm", "S2-zoneout lstm", "S2-weight-drop lstm", "S2-recurrent-dropout lstm"])
    }

    @Test func theTableShowsEachRegularizersRatio() throws {
        let result = try CommandRunner.run([
            "bench", "--quick", "--repeats", "1", "--cases", "S2-weight-drop", "--regularizers",
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.contains("cell: gru"))
        let row = try #require(lines.first { $0.hasPrefix("S2-weight-drop ") })
        #expect(row.contains("x the plain S2 train step"), "\(row)")
    }

    @Test func theLayerNormCaseIsTheGRUsOnly() throws {
        let result = try CommandRunner.run(["bench", "--quick", "--cell", "lstm", "--cases", "S2-layer-norm"])
        #expect(result.exitCode == 1)
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(result.standardError.contains("'S2-layer-norm'"), "\(result.standardError)")
    }
}
