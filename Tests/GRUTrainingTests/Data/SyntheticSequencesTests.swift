import GRUNetworks
import GRUTensor
import Testing

@testable import GRUTraining

/// The generated long-range benchmarks: the structure each task is defined by, checked on
/// every sequence, and the same seed giving the same set.
@Suite(.tags(.unit))
struct SyntheticSequencesTests {
    @Test(arguments: [2, 3, 50])
    func addingProblemMarksOneStepInEachHalfAndSumsThem(steps: Int) throws {
        let set = try AddingProblem.generate(steps: steps, count: 40, seed: 7)
        #expect(set.inputs.shape == [40, steps, 2])
        #expect(set.task == .forecast)
        guard case .values(let targets) = set.targets else {
            Issue.record("expected real targets")
            return
        }
        let x = set.inputs.scalars
        for n in 0..<40 {
            let marked = (0..<steps).filter { x[(n * steps + $0) * 2 + 1] == 1 }
            #expect(marked.count == 2)
            #expect(marked[0] < steps / 2 && marked[1] >= steps / 2)
            #expect(targets[n] == marked.map { x[(n * steps + $0) * 2] }.reduce(0, +))
            #expect((0..<steps).allSatisfy { (0..<1).contains(x[(n * steps + $0) * 2]) })
        }
        let again = try AddingProblem.generate(steps: steps, count: 40, seed: 7)
        #expect(again.inputs == set.inputs)
        #expect(try AddingProblem.generate(steps: steps, count: 40, seed: 8).inputs != set.inputs)
    }

    @Test(arguments: [1, 5, 100])
    func copyMemoryRecallsTheSymbolsAfterTheDelimiter(delay: Int) throws {
        let set = try CopyMemoryTask.generate(delay: delay, count: 30, seed: 3)
        let steps = delay + 20
        #expect(set.inputs.shape == [30, steps, 10])
        #expect(set.task == .tag)
        guard case .stepClasses(let targets, let shape) = set.targets else {
            Issue.record("expected classes at every step")
            return
        }
        #expect(shape == [30, steps])
        for n in 0..<30 {
            let classes = (0..<steps).map { t in
                (0..<10).first { set.inputs.scalars[(n * steps + t) * 10 + $0] == 1 }!
            }
            #expect(classes[0..<10].allSatisfy { (1...8).contains($0) })
            #expect(classes[delay + 9] == 9)
            #expect(classes.filter { $0 == 9 }.count == 1)
            #expect(classes[10...].filter { $0 != 0 && $0 != 9 }.isEmpty)
            let row = Array(targets[(n * steps)..<((n + 1) * steps)])
            #expect(Array(row[(steps - 10)...]) == Array(classes[0..<10]))
            #expect(row[..<(steps - 10)].allSatisfy { $0 == 0 })
        }
    }

    @Test func sizesBelowTheMinimumNameTheirFlag() {
        #expect(throws: GRUInputError.self) { try AddingProblem.generate(steps: 1, count: 4, seed: 0) }
        #expect(throws: GRUInputError.self) { try CopyMemoryTask.generate(delay: 0, count: 4, seed: 0) }
        do {
            _ = try CopyMemoryTask.generate(delay: 3, count: 0, seed: 0)
            Issue.record("a count of 0 was accepted")
        } catch {
            #expect("\(error)".contains("--count"))
        }
    }
}
