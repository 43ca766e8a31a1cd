import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUTraining

/// A model at bf16 or int8 (`SequenceModel.atPrecision`) for every task: its bf16 inference
/// pass is near the float32 pass of the model whose W_ih and W_hh are rounded to bf16 (a learned
/// initial state and a carried state included), its int8 pass stays near float32, training
/// passes stay float32, and what it cannot do (backward of a pass without a trace, a cell other
/// than the GRU) is a one-line error.
@Suite(.tags(.unit))
struct LowPrecisionModelTests {
    static let configurations: [ModelConfiguration] =
        SequenceModelInvarianceTests.configurations + [
            ModelConfiguration(
                task: .classify, featureCount: 2, hiddenSize: 40, outputSize: 2, trainableInitialState: true)
        ]

    static func batch(for configuration: ModelConfiguration) -> SequenceBatch {
        let examples = SequenceModelInvarianceTests.examples(for: configuration)
        return SequenceBatch(examples: examples, exampleIndices: Array(examples.indices))
    }

    /// The model with its GRU stack's weight matrices rounded to bf16.
    static func bf16Rounded(_ model: SequenceModel) -> SequenceModel {
        var rounded = model
        for slot in GRUParameters(zerosFor: model.configuration.gru).slots where slot.name.hasPrefix("weight_") {
            let start = model.recurrenceRange.lowerBound + slot.offset
            for i in start..<(start + slot.shape.reduce(1, *)) {
                rounded.parameters[i] = NaiveQuantizedKernels.bf16Rounded(rounded.parameters[i])
            }
        }
        return rounded
    }

    /// bf16 rounds the products' activations too (2^-9 relative, per `quantized_kernels.h`),
    /// which moves these small models' outputs by a few 1e-3 at most; a state left out or
    /// wired wrongly (the learned 0.3, a carried state) moves them by more than 1e-2.
    static let bf16ActivationTolerance = 1e-2

    @Test(arguments: configurations)
    func bf16IsNearTheFloatModelOnRoundedWeights(_ configuration: ModelConfiguration) throws {
        var model = try SequenceModel(configuration: configuration, seed: 2)
        if configuration.trainableInitialState {
            for i in model.initialStateRange { model.parameters[i] = 0.3 }
        }
        let batch = Self.batch(for: configuration)
        let lowPrecision = try model.atPrecision(.bf16)
        #expect(lowPrecision.inferencePrecision == .bf16 && model.inferencePrecision == .float32)
        let expected = try Self.bf16Rounded(model).forward(batch)
        let result = try lowPrecision.forward(batch)
        let tolerance = Self.bf16ActivationTolerance
        expectApproximatelyEqual(result.output, expected.output, absoluteTolerance: tolerance, "output")
        expectApproximatelyEqual(
            result.finalState.hidden, expected.finalState.hidden, absoluteTolerance: tolerance, "state")
        // A carried state, as generation carries it from token to token.
        let carried = try lowPrecision.forward(batch, initialState: result.finalState)
        let expectedCarried = try Self.bf16Rounded(model).forward(batch, initialState: expected.finalState)
        expectApproximatelyEqual(carried.output, expectedCarried.output, absoluteTolerance: tolerance, "carried")
    }

    @Test(arguments: configurations)
    func int8StaysNearFloat32AndTrainingStaysFloat32(_ configuration: ModelConfiguration) throws {
        let model = try SequenceModel(configuration: configuration, seed: 3)
        let batch = Self.batch(for: configuration)
        let int8 = try model.atPrecision(.int8)
        let float32 = try model.forward(batch).output, quantized = try int8.forward(batch).output
        let largest = zip(float32.scalars, quantized.scalars).map { abs($0 - $1) }.max()!
        #expect(largest < 0.05 && largest > 0, "largest difference \(largest)")
        #expect(try int8.forward(batch, dropoutSeed: 7).output == model.forward(batch, dropoutSeed: 7).output)
        #expect(try int8.atPrecision(.float32).forward(batch).output == float32)
    }

    @Test func backwardOfALowPrecisionPassIsAnError() throws {
        let configuration = SequenceModelInvarianceTests.configurations[3]
        let model = try SequenceModel(configuration: configuration, seed: 1).atPrecision(.int8)
        let pass = try model.forward(Self.batch(for: configuration))
        var gradients = [Float](repeating: 0, count: model.parameters.count)
        let error = try #require(throws: GRUInputError.self) {
            try model.backward(pass, outputGradient: pass.output, into: &gradients)
        }
        #expect("\(error)".contains("low-precision inference pass"), "\(error)")
    }

    @Test(arguments: [RecurrentCellKind.lstm, .rnn, .layerNormGRU])
    func otherCellsStayFloat32(_ cell: RecurrentCellKind) throws {
        let configuration = ModelConfiguration(
            task: .classify, featureCount: 2, cell: cell, hiddenSize: 4, outputSize: 2)
        let model = try SequenceModel(configuration: configuration, seed: 1)
        let error = try #require(throws: GRUInputError.self) { try model.atPrecision(.int8) }
        #expect("\(error)".contains("--precision int8") && "\(error)".contains(cell.rawValue), "\(error)")
        #expect(try model.atPrecision(.float32).inferencePrecision == .float32)
    }
}
