import Foundation
import GRUTestSupport
import Testing

@testable import GRUTraining

/// What data-parallel training splits and sums, without MPI: the shards of a batch, and an
/// evaluation of two halves of a data set summed into the whole set's.
@Suite(.tags(.unit))
struct ProcessGroupTests {
    /// A group of `size` in which this process is `rank` and the sum adds what the other
    /// processes' `PlayedGroup`s recorded (a two-process job played in one process).
    final class PlayedGroup: ProcessGroup {
        let rank: Int, size: Int
        var recorded: [Double]?
        var others: [PlayedGroup] = []
        init(rank: Int, size: Int) { (self.rank, self.size) = (rank, size) }

        func sum(_ values: UnsafeMutableBufferPointer<Float>) {}

        /// Records these values; adds the others' when they have recorded theirs.
        func sum(_ values: UnsafeMutableBufferPointer<Double>) {
            recorded = Array(values)
            for other in others {
                guard let theirs = other.recorded else { continue }
                for i in values.indices { values[i] += theirs[i] }
            }
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func shardsAreContiguousEvenAndCoverTheBatch(size: Int) {
        for count in 0...13 {
            let shards = (0..<size).map { PlayedGroup(rank: $0, size: size).shard(ofCount: count) }
            #expect(shards.first?.lowerBound == 0 && shards.last?.upperBound == count)
            for (a, b) in zip(shards, shards.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
            let sizes = shards.map(\.count)
            #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1, "\(count) rows over \(size): \(sizes)")
        }
    }

    @Test func evaluationsOfTwoHalvesSumToTheWholeSets() throws {
        let directory = try DataDirectory()
        let run = try TrainerEndToEndTests.Run(in: directory)
        let model = try SequenceModel(configuration: run.configuration, seed: 3)
        let objective = TaskObjective(task: .classify)
        let whole = try Trainer.evaluate(model, on: run.validation, batchSize: 4, objective: objective)

        let second = PlayedGroup(rank: 1, size: 2), first = PlayedGroup(rank: 0, size: 2)
        first.others = [second]
        _ = try Trainer.evaluate(model, on: run.validation, batchSize: 4, objective: objective, group: second)
        let summed = try Trainer.evaluate(model, on: run.validation, batchSize: 4, objective: objective, group: first)
        #expect(summed.confusion == whole.confusion)
        #expect(summed.accuracy == whole.accuracy)
        #expect(abs(summed.loss - whole.loss) <= 1e-6 * max(1, abs(whole.loss)))  // batch means are Float
        // Each half alone is not the whole: the sum did the work.
        let half = try Trainer.evaluate(
            model, on: run.validation, batchSize: 4, objective: objective, group: PlayedGroup(rank: 0, size: 2))
        #expect(half.confusion != whole.confusion)
    }
}
