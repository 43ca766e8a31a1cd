import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUTraining

@Suite("SequenceBatch", .tags(.unit))
struct SequenceBatchTests {
    @Test("token inputs are time-major and padded with <pad>; the mask marks real steps")
    func tokens() {
        let examples = [
            SequenceExample(input: .tokens([5, 6, 7]), target: .classIndex(1), source: "a"),
            SequenceExample(input: .tokens([8]), target: .classIndex(0), source: "b"),
            SequenceExample(input: .tokens([9, 10]), target: .classIndex(2), source: "c"),
        ]
        let batch = SequenceBatch(examples: examples, exampleIndices: [4, 0, 2])
        #expect(batch.steps == 3)
        #expect(batch.batchSize == 3)
        #expect(batch.lengths == [3, 1, 2])
        #expect(batch.exampleIndices == [4, 0, 2])
        // (T, B): row t holds step t of every sequence.
        #expect(batch.inputs == .tokens([5, 8, 9, 6, 0, 10, 7, 0, 0]))
        #expect(batch.mask == [1, 1, 1, 1, 0, 1, 1, 0, 0])
        #expect(batch.targets == .classes([1, 0, 2]))
    }

    @Test("feature inputs are (T, B, F) with zero padding; step targets are padded with 0")
    func featuresAndStepTargets() {
        let examples = [
            SequenceExample(input: .features([1, 2], featureCount: 2), target: .stepClasses([3]), source: "a"),
            SequenceExample(
                input: .features([3, 4, 5, 6], featureCount: 2), target: .stepClasses([1, 2]), source: "b"),
        ]
        let batch = SequenceBatch(examples: examples, exampleIndices: [0, 1])
        #expect(batch.inputs == .features(Tensor(shape: [2, 2, 2], scalars: [1, 2, 3, 4, 0, 0, 5, 6])))
        #expect(batch.targets == .stepClasses([3, 1, 0, 2]))
        #expect(batch.mask == [1, 1, 0, 1])
    }

    @Test("real targets are (B, K)")
    func values() {
        let examples = [
            SequenceExample(input: .features([1], featureCount: 1), target: .values([1, 2, 3]), source: "a"),
            SequenceExample(input: .features([2], featureCount: 1), target: .values([4, 5, 6]), source: "b"),
        ]
        let batch = SequenceBatch(examples: examples, exampleIndices: [0, 1])
        #expect(batch.targets == .values(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])))
    }
}

@Suite("Batcher", .tags(.unit))
struct BatcherTests {
    /// A data set of `count` token sequences whose lengths cycle through 1...`longest` in a scrambled order.
    func dataset(count: Int, longest: Int = 50) -> SequenceDataset {
        let examples = (0..<count).map { index in
            SequenceExample(
                input: .tokens(Array(repeating: 2, count: 1 + (index * 37) % longest)), target: .classIndex(index % 2),
                source: "\(index)")
        }
        return SequenceDataset(schema: DatasetSchema(task: .classify), examples: examples, source: "memory")
    }

    /// The padded steps computed over an epoch: the sum of T * B.
    func paddedSteps(_ batches: [[Int]], _ dataset: SequenceDataset) -> Int {
        batches.reduce(0) { total, batch in total + batch.count * batch.map { dataset.lengths[$0] }.max()! }
    }

    @Test("every example is in one batch per epoch; only the last batch is smaller")
    func coverage() {
        let data = dataset(count: 23)
        for bucketBatches in [nil, 2] {
            let batcher = Batcher(dataset: data, batchSize: 5, bucketBatches: bucketBatches, seed: 9)
            let batches = batcher.batchIndices(epoch: 0)
            #expect(batcher.batchCount == 5)
            #expect(batches.count == 5)
            #expect(batches.flatMap { $0 }.sorted() == Array(0..<23))
            #expect(batches.map(\.count).sorted() == [3, 5, 5, 5, 5])
        }
        let inOrder = Batcher(dataset: data, batchSize: 10, shuffles: false)
        #expect(inOrder.batchIndices(epoch: 3) == [Array(0..<10), Array(10..<20), Array(20..<23)])
    }

    @Test("the order depends only on the seed and the epoch")
    func determinism() {
        let data = dataset(count: 40)
        let batcher = Batcher(dataset: data, batchSize: 4, bucketBatches: 3, seed: 42)
        #expect(
            batcher.batchIndices(epoch: 2)
                == Batcher(dataset: data, batchSize: 4, bucketBatches: 3, seed: 42).batchIndices(epoch: 2))
        #expect(batcher.batchIndices(epoch: 2) != batcher.batchIndices(epoch: 3))
        #expect(
            batcher.batchIndices(epoch: 2)
                != Batcher(dataset: data, batchSize: 4, bucketBatches: 3, seed: 43).batchIndices(epoch: 2))
        let batches = Array(batcher.batches(epoch: 1))
        #expect(batches.map(\.exampleIndices) == batcher.batchIndices(epoch: 1))
    }

    @Test("the shuffle is pinned, so a seed names the same order on every Swift version")
    func pinnedShuffle() {
        var generator = SeededGenerator(seed: 1)
        #expect(seededShuffle(Array(0..<8), using: &generator) == pinnedOrder)
    }

    @Test("bucketing by length computes less padding than plain shuffling")
    func bucketingReducesPadding() {
        let data = dataset(count: 400)
        let plain = Batcher(dataset: data, batchSize: 8, seed: 5).batchIndices(epoch: 0)
        let bucketed = Batcher(dataset: data, batchSize: 8, bucketBatches: 50, seed: 5).batchIndices(epoch: 0)
        let useful = data.lengths.reduce(0, +)
        #expect(paddedSteps(bucketed, data) < paddedSteps(plain, data))
        // 400 examples in one chunk sorted by length: each batch spans at most one length step or so.
        #expect(paddedSteps(bucketed, data) - useful < (paddedSteps(plain, data) - useful) / 10)
        #expect(bucketed.flatMap { $0 }.sorted() == Array(0..<400))
    }

    @Test("the batches of one epoch are built as they are iterated")
    func builtBatches() {
        let data = dataset(count: 6, longest: 4)
        let batches = Array(Batcher(dataset: data, batchSize: 4, shuffles: false).batches(epoch: 0))
        #expect(batches.map(\.batchSize) == [4, 2])
        #expect(batches[0].lengths == [1, 2, 3, 4])
        #expect(batches[1].targets == .classes([0, 1]))
    }
}

/// `seededShuffle` of 0..<8 with SeededGenerator(seed: 1), recorded once.
private let pinnedOrder = [4, 3, 2, 7, 5, 6, 0, 1]
