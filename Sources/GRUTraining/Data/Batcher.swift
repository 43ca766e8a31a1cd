import GRUTensor

/// Cuts a data set into batches each epoch: shuffled by a seed, optionally bucketed by length.
///
/// The order of epoch e depends only on the seed and e, so a resumed run sees the same batches
/// as an uninterrupted one. Bucketing (`bucketBatches`) sorts the shuffled examples by length
/// within chunks of `bucketBatches * batchSize` before cutting them into batches, then shuffles
/// the batches: sequences of like length share a batch, so less padding is computed, while
/// each epoch still mixes long and short batches. Every example is in exactly one batch per
/// epoch; only the last batch may be smaller.
public struct Batcher: Sendable {
    /// The data set batches are drawn from.
    public let dataset: SequenceDataset
    /// The most sequences per batch.
    public let batchSize: Int
    /// Whether each epoch draws a new order; false keeps file order (and bucketed batches in chunk order).
    public let shuffles: Bool
    /// How many batches' worth of examples are sorted by length together; nil turns bucketing off.
    public let bucketBatches: Int?
    /// The seed every epoch's order derives from.
    public let seed: UInt64

    /// A batcher over `dataset`.
    ///
    /// - Parameters:
    ///   - batchSize: The most sequences per batch, at least 1.
    ///   - shuffles: Whether to shuffle every epoch.
    ///   - bucketBatches: Batches' worth of examples sorted by length together (50 is a good
    ///     choice); nil for no bucketing. At least 1.
    ///   - seed: The seed of every epoch's order.
    public init(
        dataset: SequenceDataset, batchSize: Int, shuffles: Bool = true, bucketBatches: Int? = nil, seed: UInt64 = 0
    ) {
        precondition(batchSize >= 1, "batchSize must be at least 1")
        precondition(bucketBatches.map { $0 >= 1 } ?? true, "bucketBatches must be at least 1")
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffles = shuffles
        self.bucketBatches = bucketBatches
        self.seed = seed
    }

    /// The number of batches in an epoch.
    public var batchCount: Int {
        (dataset.count + batchSize - 1) / batchSize
    }

    /// The examples' indices of each batch of epoch `epoch`, in the order they are used.
    public func batchIndices(epoch: Int) -> [[Int]] {
        var generator = generator(epoch: epoch)
        var order = Array(dataset.examples.indices)
        if shuffles { order = seededShuffle(order, using: &generator) }
        guard let bucketBatches else { return chunks(order, size: batchSize) }

        let lengths = dataset.lengths
        var batches: [[Int]] = []
        for chunk in chunks(order, size: bucketBatches * batchSize) {
            // Longest first; ties keep their shuffled order, so the sort is deterministic.
            let sorted = chunk.enumerated().sorted { a, b in
                lengths[a.element] != lengths[b.element] ? lengths[a.element] > lengths[b.element] : a.offset < b.offset
            }.map(\.element)
            batches += chunks(sorted, size: batchSize)
        }
        return shuffles ? seededShuffle(batches, using: &generator) : batches
    }

    /// The batches of epoch `epoch`, built as they are iterated.
    public func batches(epoch: Int) -> LazyMapSequence<[[Int]], SequenceBatch> {
        batchIndices(epoch: epoch).lazy.map { batch(of: $0) }
    }

    /// The batch of the examples at `indices`, in that order.
    public func batch(of indices: [Int]) -> SequenceBatch {
        SequenceBatch(examples: indices.map { dataset.examples[$0] }, exampleIndices: indices)
    }

    /// The generator of epoch `epoch`: the seed mixed with a hash of the epoch, so that epochs
    /// get unrelated orders (consecutive SplitMix seeds would give shifted copies of one stream).
    private func generator(epoch: Int) -> SeededGenerator {
        var epochHash = SeededGenerator(seed: UInt64(truncatingIfNeeded: epoch))
        return SeededGenerator(seed: seed ^ epochHash.next())
    }

    private func chunks<T>(_ elements: [T], size: Int) -> [[T]] {
        stride(from: 0, to: elements.count, by: size).map { Array(elements[$0..<min($0 + size, elements.count)]) }
    }
}
