import GRUBenchmarking
import GRUTestSupport
import Testing

/// The benchmark cases: shape names, the standard list, and one measured record.
@Suite(.tags(.unit))
struct BenchmarkCaseTests {
    @Test func aShapeNameGivesItsSizes() throws {
        let parsed = try #require(BenchmarkCase(shapeName: "B32-T25-I128-H256"))
        #expect(
            parsed
                == BenchmarkCase(
                    name: "B32-T25-I128-H256", mode: .forward, batch: 32, steps: 25, inputSize: 128, hiddenSize: 256))
        for name in ["B0-T1-I1-H1", "B1-T1-I1", "T1-B1-I1-H1", "B1-T1-I1-Hx", "S1"] {
            #expect(BenchmarkCase(shapeName: name) == nil, "\(name)")
        }
    }

    @Test func theStandardCasesAreDistinct() {
        let keys = BenchmarkCase.standard.map { "\($0.name) \($0.mode.rawValue)" }
        #expect(Set(keys).count == keys.count)
        #expect(keys.count == 8)
    }

    @Test func aMeasuredRecordDescribesItsCase() throws {
        let tiny = BenchmarkCase(name: "tiny", mode: .forward, batch: 2, steps: 3, inputSize: 4, hiddenSize: 5)
        let record = try GRUBenchmark.measure(tiny, repeats: 3, warmups: 1)
        #expect(record.case == "tiny")
        #expect((record.batch, record.steps, record.inputSize, record.hiddenSize) == (2, 3, 4, 5))
        #expect(record.repeats == 3)
        #expect(record.minMs > 0 && record.minMs <= record.medianMs)
    }
}
