import Foundation
import GRUBenchmarking
import GRUTestSupport
import Testing

/// The LSTM's and the regularizers' benchmark cases: their FLOP counts, names, measured records
/// (cell and regularizer included), and old GRU records that carry no cell.
@Suite(.tags(.unit))
struct BenchmarkCellTests {
    @Test func theLSTMCountsFourGates() {
        let gru = BenchmarkCase(name: "x", mode: .forward, batch: 2, steps: 3, inputSize: 4, hiddenSize: 5)
        #expect(gru.cell == .gru && gru.regularizer == nil)
        #expect(gru.floatingPointOperations == 2 * 3 * Double(4 * 5 + 5 * 5) * 2 * 3)
        #expect(gru.with(cell: .lstm).floatingPointOperations == 2 * 4 * Double(4 * 5 + 5 * 5) * 2 * 3)
        let train = BenchmarkCase(name: "x", mode: .train, batch: 2, steps: 3, inputSize: 4, hiddenSize: 5, cell: .lstm)
        #expect(train.floatingPointOperations == 3 * 2 * 4 * Double(4 * 5 + 5 * 5) * 2 * 3)
    }

    @Test func theRegularizerCasesAreS2TrainingSteps() {
        let plain = BenchmarkCase.plainTrainingStep
        #expect(plain.name == "S2" && plain.mode == .train && plain.cell == .gru)
        let gru = BenchmarkCase.regularizerCases(of: .gru)
        #expect(gru.map(\.name) == ["S2-layer-norm", "S2-zoneout", "S2-weight-drop", "S2-recurrent-dropout"])
        let lstm = BenchmarkCase.regularizerCases(of: .lstm)
        #expect(lstm.map(\.name) == ["S2-zoneout", "S2-weight-drop", "S2-recurrent-dropout"])
        for benchmarkCase in gru + lstm {
            #expect(benchmarkCase.mode == .train)
            #expect(
                (benchmarkCase.batch, benchmarkCase.steps, benchmarkCase.inputSize, benchmarkCase.hiddenSize)
                    == (plain.batch, plain.steps, plain.inputSize, plain.hiddenSize))
        }
        #expect(lstm.allSatisfy { $0.cell == .lstm })
        #expect(BenchmarkCase.Regularizer.zoneout.rate == 0.1 && BenchmarkCase.Regularizer.weightDrop.rate == 0.5)
    }

    /// Every LSTM mode and every regularizer case runs at a tiny size and says what it ran.
    @Test func tinyCasesOfEveryCellAndRegularizerMeasure() throws {
        var cases: [BenchmarkCase] = [.forward, .train, .stream].map {
            BenchmarkCase(
                name: "tiny", mode: $0, batch: $0 == .stream ? 1 : 2, steps: 3, inputSize: 4, hiddenSize: 5,
                cell: .lstm)
        }
        for cell in BenchmarkCase.Cell.allCases {
            cases += BenchmarkCase.Regularizer.allCases.filter { $0.applies(to: cell) }.map {
                BenchmarkCase(
                    name: "tiny-\($0.rawValue)", mode: .train, batch: 2, steps: 3, inputSize: 4, hiddenSize: 5,
                    cell: cell, regularizer: $0)
            }
        }
        for benchmarkCase in cases {
            let record = try GRUBenchmark.measure(benchmarkCase, repeats: 2, warmups: 1)
            #expect(record.cell == benchmarkCase.cell.rawValue, "\(benchmarkCase)")
            #expect(record.regularizer == benchmarkCase.regularizer?.rawValue, "\(benchmarkCase)")
            #expect(record.mode == benchmarkCase.mode.rawValue)
            #expect(record.minMs > 0 && record.minMs <= record.medianMs, "\(benchmarkCase)")
        }
    }

    /// A record carries `cell` always and `regularizer` only when there is one; a record
    /// written before the LSTM (no `cell`) reads as the GRU's.
    @Test func recordsCarryTheCell() throws {
        let lstm = BenchmarkCase(
            name: "S2-zoneout", mode: .train, batch: 2, steps: 3, inputSize: 4, hiddenSize: 5, cell: .lstm,
            regularizer: .zoneout)
        let record = BenchmarkRecord(lstm, sortedSeconds: [0.001, 0.002], threads: 1, version: "test")
        let object = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(record)) as? [String: Any])
        #expect(object["cell"] as? String == "lstm" && object["regularizer"] as? String == "zoneout")
        let plain = BenchmarkRecord(
            BenchmarkCase(name: "S1", mode: .forward, batch: 1, steps: 3, inputSize: 4, hiddenSize: 5),
            sortedSeconds: [0.001], threads: 1, version: "test")
        let plainObject = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(plain)) as? [String: Any])
        #expect(plainObject["cell"] as? String == "gru" && plainObject["regularizer"] == nil)

        let old = """
            {"framework": "gruKit", "version": "0.1.0", "case": "S1", "mode": "forward", "batch": 1,
             "steps": 100, "input_size": 64, "hidden_size": 128, "median_ms": 0.2, "min_ms": 0.1,
             "repeats": 3, "threads": 2, "gflops": 60.0, "sequence_steps_per_s": 500000.0,
             "peak_memory_mb": null}
            """
        let decoded = try JSONDecoder().decode(BenchmarkRecord.self, from: Data(old.utf8))
        #expect(decoded.cell == "gru" && decoded.regularizer == nil && decoded.peakMemoryMb == nil)
        #expect(decoded.medianMs == 0.2)
    }
}
