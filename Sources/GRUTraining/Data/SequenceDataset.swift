/// The examples of one data file, with the schema that encodes them and a report of what was skipped.
public struct SequenceDataset: Sendable {
    /// What the model needs to know: task, vocabulary or features, classes or targets.
    public var schema: DatasetSchema
    /// The examples, in file order.
    public var examples: [SequenceExample]
    /// What the loader deliberately left out, by reason.
    public var skipped: SkipReport
    /// The file the examples came from, as the user named it.
    public var source: String

    /// A data set of `examples` encoded by `schema`.
    public init(schema: DatasetSchema, examples: [SequenceExample], skipped: SkipReport = SkipReport(), source: String)
    {
        self.schema = schema
        self.examples = examples
        self.skipped = skipped
        self.source = source
    }

    /// The task the data is prepared for.
    public var task: SequenceTask { schema.task }

    /// The number of examples.
    public var count: Int { examples.count }

    /// The number of steps of each example, in order.
    public var lengths: [Int] { examples.map(\.length) }

    /// The examples at `indices`, in that order, with the same schema and report.
    public func subset(_ indices: [Int]) -> SequenceDataset {
        SequenceDataset(schema: schema, examples: indices.map { examples[$0] }, skipped: skipped, source: source)
    }

    /// The data set with every sequence cut to at most `maxLength` steps.
    ///
    /// Classify and tag keep the first steps (tag targets are cut with them); forecast keeps the
    /// last steps, the ones next to the predicted future; language-model sequences are already
    /// cut into chunks by the loader and are cut the same way as tag. The number of shortened
    /// sequences is added to `skipped` as "sequences truncated to N steps", so the cut is reported.
    public func truncated(toMaximumLength maxLength: Int) -> SequenceDataset {
        precondition(maxLength >= 1, "maxLength must be at least 1")
        var result = self
        var truncatedCount = 0
        for index in result.examples.indices where result.examples[index].length > maxLength {
            truncatedCount += 1
            var example = result.examples[index]
            if task == .forecast {
                example.input = example.input.suffix(maxLength)
            } else {
                example.input = example.input.prefix(maxLength)
                if case .stepClasses(let classes) = example.target {
                    example.target = .stepClasses(Array(classes.prefix(maxLength)))
                }
            }
            result.examples[index] = example
        }
        result.skipped.record("sequences truncated to \(maxLength) steps", count: truncatedCount)
        return result
    }
}
