import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUTraining

/// Whole-model gradient checks: `SequenceModel.backward` through the task objective against
/// central differences of the loss, for every task, tokens and features, one and two layers,
/// bidirectional, and with dropout at a fixed seed (the masks are then fixed, so the loss is
/// a smooth function of the parameters).
///
/// The model computes in Float, so the differences are Float too: ε = 1e-2 on a tiny model
/// whose weights are small enough for the gates to stay smooth, and a tolerance of
/// |numeric - analytic| <= 2e-2 |analytic| + 1e-4 (the differences seen are below 1e-5, the
/// gradients checked mostly 1e-3 to 0.5). The layers' own Double gradient checks
/// (GRUNetworksTests) pin the math down; this checks the wiring: slices of the flat buffer,
/// pooling, per-step heads, masks, embedding rows and dropout masks reused in backward.
/// Each parameter tensor gets its element with the largest gradient and a few others.
@Suite(.tags(.unit))
struct SequenceModelGradientTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let configuration: ModelConfiguration
        let lengths: [Int]
        var dropoutSeed: UInt64?
        var labelSmoothing: Float = 0

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "classify tokens, 2 layers bidirectional",
            configuration: ModelConfiguration(
                task: .classify, vocabularySize: 7, embeddingSize: 3, hiddenSize: 4,
                layers: 2, bidirectional: true, outputSize: 3),
            lengths: [4, 2, 3]),
        Case(
            name: "classify features, mean pooling",
            configuration: ModelConfiguration(
                task: .classify, featureCount: 3, hiddenSize: 4, bidirectional: true,
                outputSize: 3, pooling: .mean),
            lengths: [3, 5], labelSmoothing: 0.1),
        Case(
            name: "tag features bidirectional",
            configuration: ModelConfiguration(
                task: .tag, featureCount: 3, hiddenSize: 4, bidirectional: true,
                outputSize: 3),
            lengths: [4, 1, 3]),
        Case(
            name: "tag tokens, 2 layers",
            configuration: ModelConfiguration(
                task: .tag, vocabularySize: 6, embeddingSize: 3, hiddenSize: 3,
                layers: 2, outputSize: 4),
            lengths: [2, 4]),
        Case(
            name: "forecast features, 2 layers bidirectional",
            configuration: ModelConfiguration(
                task: .forecast, featureCount: 2, hiddenSize: 3, layers: 2,
                bidirectional: true, outputSize: 2),
            lengths: [5, 3, 4]),
        Case(
            name: "language model tokens",
            configuration: ModelConfiguration(
                task: .languageModel, vocabularySize: 6, embeddingSize: 4, hiddenSize: 4,
                outputSize: 6),
            lengths: [4, 4, 2]),
        Case(
            name: "tag tokens bidirectional with every dropout at a fixed seed",
            configuration: ModelConfiguration(
                task: .tag, vocabularySize: 7, embeddingSize: 3, hiddenSize: 4,
                layers: 2, bidirectional: true, outputSize: 3, inputDropout: 0.2,
                layerDropout: 0.3, recurrentDropout: 0.25, outputDropout: 0.2),
            lengths: [4, 3], dropoutSeed: 11),
        Case(
            name: "classify features with every dropout at a fixed seed",
            configuration: ModelConfiguration(
                task: .classify, featureCount: 3, hiddenSize: 4, layers: 2,
                outputSize: 3, inputDropout: 0.2, layerDropout: 0.3,
                recurrentDropout: 0.25, outputDropout: 0.2),
            lengths: [3, 4, 2], dropoutSeed: 5),
        Case(
            name: "tag features, 2 layers bidirectional, zoneout and weight-drop at a fixed seed",
            configuration: ModelConfiguration(
                task: .tag, featureCount: 3, hiddenSize: 4, layers: 2, bidirectional: true,
                outputSize: 3, zoneout: 0.3, weightDrop: 0.3),
            lengths: [4, 2, 3], dropoutSeed: 13),
        Case(
            name: "LSTM tag features, 2 layers bidirectional, learned initial state, recurrent dropout",
            configuration: ModelConfiguration(
                task: .tag, featureCount: 3, cell: .lstm, hiddenSize: 4, layers: 2, bidirectional: true,
                outputSize: 3, recurrentDropout: 0.2, trainableInitialState: true),
            lengths: [4, 2, 3], dropoutSeed: 7),
        Case(
            name: "LSTM classify tokens, zoneout and weight-drop",
            configuration: ModelConfiguration(
                task: .classify, vocabularySize: 7, embeddingSize: 3, cell: .lstm, hiddenSize: 4,
                outputSize: 3, zoneout: 0.2, weightDrop: 0.2),
            lengths: [4, 2, 3], dropoutSeed: 9),
        Case(
            name: "RNN forecast features, 2 layers",
            configuration: ModelConfiguration(
                task: .forecast, featureCount: 2, cell: .rnn, hiddenSize: 3, layers: 2, outputSize: 2),
            lengths: [5, 3, 4]),
        Case(
            name: "layer-norm GRU tag features bidirectional, weight-drop and zoneout at a fixed seed",
            configuration: ModelConfiguration(
                task: .tag, featureCount: 3, cell: .layerNormGRU, hiddenSize: 4, bidirectional: true,
                outputSize: 3, zoneout: 0.2, weightDrop: 0.3),
            lengths: [4, 2, 3], dropoutSeed: 21),
        Case(
            name: "layer-norm GRU language model tokens, learned initial state",
            configuration: ModelConfiguration(
                task: .languageModel, vocabularySize: 6, embeddingSize: 4, cell: .layerNormGRU, hiddenSize: 4,
                outputSize: 6, trainableInitialState: true),
            lengths: [4, 4, 2]),
        Case(
            name: "classify features, 2 layers bidirectional, learned initial state",
            configuration: ModelConfiguration(
                task: .classify, featureCount: 3, hiddenSize: 4, layers: 2, bidirectional: true,
                outputSize: 3, trainableInitialState: true),
            lengths: [3, 5, 2]),
        Case(
            name: "language model tokens, learned initial state",
            configuration: ModelConfiguration(
                task: .languageModel, vocabularySize: 6, embeddingSize: 4, hiddenSize: 4,
                outputSize: 6, trainableInitialState: true),
            lengths: [4, 4, 2]),
    ]

    @Test(arguments: cases)
    func backwardMatchesCentralDifferences(_ testCase: Case) throws {
        let configuration = testCase.configuration
        var model = try SequenceModel(configuration: configuration, seed: 3)
        // Embeddings start at N(0, 1); scale them down so the gates stay in their smooth range.
        if configuration.vocabularySize != nil {
            let count = model.embeddingRange.count
            for i in 0..<count { model.parameters[i] *= 0.5 }
        }
        // A learned state away from zero, where the layer norm of W_hh h is smooth (at h = 0 its
        // curvature is 1/sqrt(eps), too sharp for differences of 1e-2).
        var stateNumbers = TestNumbers(seed: 41)
        for i in model.initialStateRange { model.parameters[i] = stateNumbers.uniform(0.5) }
        let batch = SequenceBatch(
            examples: syntheticExamples(
                task: configuration.task, lengths: testCase.lengths, vocabularySize: configuration.vocabularySize,
                featureCount: configuration.featureCount ?? 0, outputSize: configuration.outputSize, seed: 17),
            exampleIndices: Array(testCase.lengths.indices))
        let objective = TaskObjective(
            task: configuration.task, crossEntropy: CrossEntropyLoss(labelSmoothing: testCase.labelSmoothing))
        func loss(_ model: SequenceModel) throws -> Float {
            try objective.loss(output: model.forward(batch, dropoutSeed: testCase.dropoutSeed).output, batch: batch)
                .loss
        }

        let pass = try model.forward(batch, dropoutSeed: testCase.dropoutSeed)
        let (_, outputGradient) = try objective.loss(output: pass.output, batch: batch)
        var analytic = [Float](repeating: 0, count: model.parameters.count)
        try model.backward(pass, outputGradient: outputGradient, into: &analytic)

        let epsilon: Float = 1e-2
        var numbers = TestNumbers(seed: 29)
        var offset = 0
        for (name, tensor) in model.namedTensors {
            let range = offset..<(offset + tensor.count)
            offset += tensor.count
            let largest = range.max { abs(analytic[$0]) < abs(analytic[$1]) }!
            let picks = Set([largest] + (0..<3).map { _ in numbers.integer(in: range) })
            for index in picks.sorted() {
                var shifted = model
                shifted.parameters[index] = model.parameters[index] + epsilon
                let plus = try loss(shifted)
                shifted.parameters[index] = model.parameters[index] - epsilon
                let minus = try loss(shifted)
                let numeric = (plus - minus) / (2 * epsilon)
                let difference = abs(numeric - analytic[index])
                #expect(
                    difference <= 2e-2 * abs(analytic[index]) + 1e-4,
                    "\(testCase.name): \(name)[\(index - range.lowerBound)] analytic \(analytic[index]), numeric \(numeric)"
                )
            }
        }
    }

    // MARK: - Dropout

    static let dropoutConfiguration = ModelConfiguration(
        task: .tag, vocabularySize: 9, embeddingSize: 4, hiddenSize: 5, layers: 2, bidirectional: true,
        outputSize: 3, inputDropout: 0.3, layerDropout: 0.3, recurrentDropout: 0.3, outputDropout: 0.3)

    static func dropoutBatch() -> SequenceBatch {
        SequenceBatch(
            examples: syntheticExamples(task: .tag, lengths: [5, 3, 4], vocabularySize: 9, outputSize: 3, seed: 4),
            exampleIndices: [0, 1, 2])
    }

    @Test func dropoutWithAFixedSeedIsDeterministic() throws {
        let model = try SequenceModel(configuration: Self.dropoutConfiguration, seed: 1)
        let batch = Self.dropoutBatch()
        let first = try model.forward(batch, dropoutSeed: 42)
        let second = try model.forward(batch, dropoutSeed: 42)
        #expect(first.output == second.output)
        #expect(first.finalState == second.finalState)

        // The same pass gives the same gradients.
        let objective = TaskObjective(task: .tag)
        var gradients = [[Float]](repeating: [Float](repeating: 0, count: model.parameters.count), count: 2)
        for (index, pass) in [first, second].enumerated() {
            let (_, outputGradient) = try objective.loss(output: pass.output, batch: batch)
            try model.backward(pass, outputGradient: outputGradient, into: &gradients[index])
        }
        #expect(gradients[0] == gradients[1])
    }

    @Test func dropoutChangesTheOutputAndInferenceHasNone() throws {
        let model = try SequenceModel(configuration: Self.dropoutConfiguration, seed: 1)
        let batch = Self.dropoutBatch()
        let inference = try model.forward(batch).output
        #expect(try model.forward(batch).output == inference)
        let seeded = try model.forward(batch, dropoutSeed: 42).output
        #expect(seeded != inference)
        #expect(try model.forward(batch, dropoutSeed: 43).output != seeded)

        // With every rate 0, a training pass is the inference pass, bit for bit.
        var plain = Self.dropoutConfiguration
        (plain.inputDropout, plain.layerDropout, plain.recurrentDropout, plain.outputDropout) = (0, 0, 0, 0)
        let undropped = try SequenceModel(
            configuration: plain,
            namedTensors: Dictionary(
                uniqueKeysWithValues: model.namedTensors.map { ($0.name, $0.tensor) }))
        #expect(try undropped.forward(batch, dropoutSeed: 42).output == inference)
    }
}

/// A learned initial state: its tensors and names, zeros at first (the model then computes
/// what the model without it does), and a state set in it is the one every sequence starts from.
@Suite(.tags(.unit))
struct LearnedInitialStateTests {
    static let configuration = ModelConfiguration(
        task: .tag, featureCount: 3, hiddenSize: 4, layers: 2, bidirectional: true, outputSize: 3,
        trainableInitialState: true)

    static func batch() -> SequenceBatch {
        SequenceBatch(
            examples: syntheticExamples(task: .tag, lengths: [4, 2, 3], featureCount: 3, outputSize: 3, seed: 8),
            exampleIndices: [0, 1, 2])
    }

    @Test func startsAtZerosAndIsNamedAfterTheStack() throws {
        let learned = try SequenceModel(configuration: Self.configuration, seed: 5)
        var plainConfiguration = Self.configuration
        plainConfiguration.trainableInitialState = false
        let plain = try SequenceModel(configuration: plainConfiguration, seed: 5)
        let state = try #require(learned.namedTensors.first { $0.name == "gru.initial_hidden_state" })
        #expect(state.tensor.shape == [4, 4])
        #expect(state.tensor.scalars.allSatisfy { $0 == 0 })
        #expect(learned.parameters.count == plain.parameters.count + 16)
        #expect(try learned.forward(Self.batch()).output == plain.forward(Self.batch()).output)
    }

    @Test func everySequenceStartsFromTheLearnedState() throws {
        var learned = try SequenceModel(configuration: Self.configuration, seed: 5)
        let start = learned.initialStateRange.lowerBound
        for i in learned.initialStateRange { learned.parameters[i] = Float(i - start) / 16 - 0.5 }
        let stateTensor = Tensor(
            shape: [4, 3, 4],
            scalars: (0..<4).flatMap { state in
                (0..<3).flatMap { _ in (0..<4).map { Float(state * 4 + $0) / 16 - 0.5 } }
            })
        let given = try learned.forward(Self.batch(), initialState: RecurrentState(hidden: stateTensor))
        #expect(try learned.forward(Self.batch()).output == given.output)
    }
}
