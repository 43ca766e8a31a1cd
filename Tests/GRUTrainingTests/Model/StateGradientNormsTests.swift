import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUTraining

/// ‖dL/dh_t‖ checked against central differences of the whole sequence's loss in h_t, the
/// state injected between a run of steps 0...t and a run of the steps after it.
@Suite(.tags(.unit))
struct StateGradientNormsTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let configuration: ModelConfiguration
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "GRU tag features, 2 layers (a loss at every step)",
            configuration: ModelConfiguration(
                task: .tag, featureCount: 3, hiddenSize: 4, layers: 2, outputSize: 3)),
        Case(
            name: "LSTM forecast features (a loss at the end)",
            configuration: ModelConfiguration(
                task: .forecast, featureCount: 2, cell: .lstm, hiddenSize: 3, outputSize: 2)),
        Case(
            name: "RNN classify tokens, learned initial state",
            configuration: ModelConfiguration(
                task: .classify, vocabularySize: 6, embeddingSize: 3, cell: .rnn, hiddenSize: 4, outputSize: 3,
                trainableInitialState: true)),
    ]

    static let steps = 5

    static func batch(_ configuration: ModelConfiguration) -> SequenceBatch {
        SequenceBatch(
            examples: syntheticExamples(
                task: configuration.task, lengths: [steps, steps, steps], vocabularySize: configuration.vocabularySize,
                featureCount: configuration.featureCount ?? 0, outputSize: configuration.outputSize, seed: 8),
            exampleIndices: [0, 1, 2])
    }

    @Test(arguments: cases)
    func normsAreThoseOfTheLossGradientInEachState(_ testCase: Case) throws {
        let configuration = testCase.configuration
        var model = try SequenceModel(configuration: configuration, seed: 5)
        var numbers = TestNumbers(seed: 3)
        for i in model.initialStateRange { model.parameters[i] = numbers.uniform(0.5) }
        let batch = Self.batch(configuration)
        let objective = TaskObjective(task: configuration.task)
        let measured = try StateGradientNorms.measure(model, on: batch, objective: objective)
        #expect(measured.norms.count == Self.steps - 1)
        let wholeLoss = try objective.loss(output: model.forward(batch).output, batch: batch).loss
        #expect(abs(Double(wholeLoss) - measured.loss) < 1e-6)

        for t in 0..<(Self.steps - 1) {
            let prefix = try model.forward(batch.cut(toSteps: 0..<(t + 1)))
            let later = batch.cut(toSteps: (t + 1)..<Self.steps)
            // The whole loss from the prefix's outputs and the later steps' outputs from state h.
            func loss(from state: RecurrentState) throws -> Double {
                let laterOutput = try model.forward(later, initialState: state).output
                let output =
                    configuration.predictsEveryStep
                    ? Tensor(
                        shape: [Self.steps * batch.batchSize, configuration.outputSize],
                        scalars: prefix.output.scalars + laterOutput.scalars)
                    : laterOutput
                return Double(try objective.loss(output: output, batch: batch).loss)
            }
            let state = prefix.finalState
            #expect(abs(try loss(from: state) - Double(wholeLoss)) < 1e-6, "t = \(t): the split runs' loss")

            let hidden = state.hidden
            let (layers, sequences, units) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
            let epsilon: Float = 1e-2
            var meanNorm = 0.0
            for b in 0..<sequences {
                var squares = 0.0
                for l in 0..<layers {
                    for h in 0..<units {
                        let index = (l * sequences + b) * units + h
                        var shifted = state
                        shifted.hidden.scalars[index] += epsilon
                        let plus = try loss(from: shifted)
                        shifted.hidden.scalars[index] -= 2 * epsilon
                        let minus = try loss(from: shifted)
                        let derivative = (plus - minus) / Double(2 * epsilon)
                        squares += derivative * derivative
                    }
                }
                meanNorm += squares.squareRoot() / Double(sequences)
            }
            let distance = Self.steps - 1 - t
            let analytic = measured.norms[distance - 1]
            #expect(
                abs(analytic - meanNorm) <= 2e-2 * meanNorm + 1e-5,
                "\(testCase.name): distance \(distance): analytic \(analytic), central differences \(meanNorm)")
        }
    }

    @Test func bidirectionalModelsAndUnequalLengthsAreRefused() throws {
        let bidirectional = try SequenceModel(
            configuration: ModelConfiguration(
                task: .tag, featureCount: 3, hiddenSize: 4, bidirectional: true, outputSize: 3),
            seed: 1)
        let objective = TaskObjective(task: .tag)
        let error = #expect(throws: GRUInputError.self) {
            try StateGradientNorms.measure(
                bidirectional, on: Self.batch(bidirectional.configuration), objective: objective)
        }
        #expect(error?.description.contains("unidirectional") == true)

        let model = try SequenceModel(
            configuration: ModelConfiguration(task: .tag, featureCount: 3, hiddenSize: 4, outputSize: 3), seed: 1)
        let uneven = SequenceBatch(
            examples: syntheticExamples(task: .tag, lengths: [5, 3], featureCount: 3, outputSize: 3, seed: 2),
            exampleIndices: [0, 1])
        let lengthError = #expect(throws: GRUInputError.self) {
            try StateGradientNorms.measure(model, on: uneven, objective: objective)
        }
        #expect(lengthError?.description.contains("[3, 5]") == true)
    }
}
