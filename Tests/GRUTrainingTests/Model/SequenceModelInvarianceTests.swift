import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUTraining

/// Invariances of the whole model: a padded batch is its sequences run one by one, a zero
/// initial state is no initial state, the named tensors round-trip bit for bit, and loading
/// tensors that do not fit names the tensor.
@Suite(.tags(.unit))
struct SequenceModelInvarianceTests {
    static let configurations: [ModelConfiguration] = [
        ModelConfiguration(
            task: .classify, vocabularySize: 8, embeddingSize: 3, hiddenSize: 4, layers: 2,
            bidirectional: true, outputSize: 3),
        ModelConfiguration(
            task: .classify, featureCount: 2, hiddenSize: 3, bidirectional: true, outputSize: 2,
            pooling: .mean),
        ModelConfiguration(task: .tag, featureCount: 3, hiddenSize: 4, bidirectional: true, outputSize: 3),
        ModelConfiguration(task: .forecast, featureCount: 2, hiddenSize: 3, layers: 2, outputSize: 2),
        ModelConfiguration(task: .languageModel, vocabularySize: 7, embeddingSize: 4, hiddenSize: 5, outputSize: 7),
    ]

    static func examples(for configuration: ModelConfiguration, lengths: [Int] = [5, 2, 4]) -> [SequenceExample] {
        syntheticExamples(
            task: configuration.task, lengths: lengths, vocabularySize: configuration.vocabularySize,
            featureCount: configuration.featureCount ?? 0, outputSize: configuration.outputSize, seed: 9)
    }

    @Test(arguments: configurations)
    func aBatchIsItsSequencesOneByOne(_ configuration: ModelConfiguration) throws {
        let model = try SequenceModel(configuration: configuration, seed: 2)
        let examples = Self.examples(for: configuration)
        let batch = SequenceBatch(examples: examples, exampleIndices: Array(examples.indices))
        let output = try model.forward(batch).output
        let width = configuration.outputSize
        for (column, example) in examples.enumerated() {
            let single = try model.forward(SequenceBatch(examples: [example], exampleIndices: [column])).output
            let rows: [Float]
            if configuration.predictsEveryStep {
                // Rows t*B + b of the batch, for the sequence's valid steps.
                rows = (0..<example.length).flatMap { step in
                    let start = (step * examples.count + column) * width
                    return output.scalars[start..<(start + width)]
                }
            } else {
                rows = Array(output.scalars[(column * width)..<((column + 1) * width)])
            }
            expectApproximatelyEqual(
                rows, single.scalars, absoluteTolerance: 1e-6, relativeTolerance: 1e-5,
                "\(configuration.task.rawValue) sequence \(column)")
        }
    }

    @Test func aZeroInitialStateIsNoInitialState() throws {
        let configuration = Self.configurations[0]
        let model = try SequenceModel(configuration: configuration, seed: 2)
        let examples = Self.examples(for: configuration)
        let batch = SequenceBatch(examples: examples, exampleIndices: Array(examples.indices))
        let zeros = Tensor(shape: [4, 3, 4], scalars: [Float](repeating: 0, count: 48))  // (L*D, B, H)
        let withZeros = try model.forward(batch, initialState: RecurrentState(hidden: zeros))
        let without = try model.forward(batch)
        #expect(withZeros.output == without.output)
        #expect(withZeros.finalState == without.finalState)
    }

    @Test(arguments: configurations)
    func namedTensorsRoundTrip(_ configuration: ModelConfiguration) throws {
        let model = try SequenceModel(configuration: configuration, seed: 5)
        let tensors = Dictionary(uniqueKeysWithValues: model.namedTensors.map { ($0.name, $0.tensor) })
        let rebuilt = try SequenceModel(configuration: configuration, namedTensors: tensors)
        #expect(rebuilt.parameters == model.parameters)
        #expect(model.namedTensors.reduce(0) { $0 + $1.tensor.count } == model.parameters.count)
        #expect(
            model.namedTensors.map(\.name).first
                == (configuration.vocabularySize != nil ? "embedding.weight" : "gru.weight_ih_l0"))
        #expect(model.namedTensors.suffix(2).map(\.name) == ["head.weight", "head.bias"])
    }

    @Test func tensorsThatDoNotFitAreNamed() throws {
        let configuration = Self.configurations[0]
        let model = try SequenceModel(configuration: configuration, seed: 5)
        let tensors = Dictionary(uniqueKeysWithValues: model.namedTensors.map { ($0.name, $0.tensor) })
        func expectError(
            _ fragments: [String], _ tensors: [String: Tensor], sourceLocation: SourceLocation = #_sourceLocation
        ) {
            do {
                _ = try SequenceModel(configuration: configuration, namedTensors: tensors)
                Issue.record("expected an error mentioning \(fragments)", sourceLocation: sourceLocation)
            } catch {
                for fragment in fragments {
                    #expect("\(error)".contains(fragment), "message: \(error)", sourceLocation: sourceLocation)
                }
            }
        }
        var missing = tensors
        missing["gru.bias_hh_l1_reverse"] = nil
        expectError(["gru.bias_hh_l1_reverse: missing; expected shape ["], missing)
        var extra = tensors
        extra["head.scale"] = Tensor(shape: [1], scalars: [1])
        expectError(["unexpected tensors: 'head.scale'; expected only the tensors of the model"], extra)
        var misshapen = tensors
        misshapen["head.weight"] = Tensor(shape: [8, 3], scalars: [Float](repeating: 0, count: 24))
        expectError(["head.weight: shape [8, 3]; expected [3, 8]"], misshapen)
        var notFinite = tensors
        var values = tensors["embedding.weight"]!.scalars
        values[4] = .nan
        notFinite["embedding.weight"] = Tensor(shape: tensors["embedding.weight"]!.shape, scalars: values)
        expectError(["embedding.weight: NaN or infinite values; expected finite values"], notFinite)
    }
}
