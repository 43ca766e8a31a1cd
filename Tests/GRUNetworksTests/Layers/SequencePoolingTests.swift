import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// SequencePooling: finite differences through a Double twin, agreement with the GRU's final
/// states, and length errors.
@Suite(.tags(.unit))
struct SequencePoolingTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var mode: SequencePooling.Mode
        var directions = 1
        var layout = SequenceLayout.timeMajor
        var testDescription: String { "\(mode) D\(directions) \(layout)" }
    }

    static let cases: [Case] = SequencePooling.Mode.allCases.flatMap { mode in
        [Case(mode: mode), Case(mode: mode, directions: 2), Case(mode: mode, directions: 2, layout: .batchFirst)]
    }

    /// The pooled (B, F) output in Double, straight from the definitions.
    static func naivePool(
        _ x: [Double], steps: Int, batch: Int, features: Int, lengths: [Int], testCase: Case
    ) -> [Double] {
        func value(_ t: Int, _ b: Int, _ f: Int) -> Double {
            x[(testCase.layout == .timeMajor ? t * batch + b : b * steps + t) * features + f]
        }
        let half = features / testCase.directions
        return (0..<batch).flatMap { b in
            (0..<features).map { f in
                switch testCase.mode {
                case .lastState: return value(f < half ? lengths[b] - 1 : 0, b, f)
                case .mean: return (0..<lengths[b]).map { value($0, b, f) }.reduce(0, +) / Double(lengths[b])
                }
            }
        }
    }

    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ testCase: Case) throws {
        let steps = 4, batch = 3, features = 4, lengths = [4, 1, 2]
        let pooling = SequencePooling(testCase.mode, directionCount: testCase.directions)
        var random = RandomData(seed: 13)
        let shape = testCase.layout == .timeMajor ? [steps, batch, features] : [batch, steps, features]
        let input = random.tensor(shape), outputGradient = random.tensor([batch, features])
        let result = try pooling.forward(input, lengths: lengths, layout: testCase.layout)
        let inputGradient = pooling.backward(result, outputGradient: outputGradient)
        let twin: ([Double]) -> [Double] = {
            Self.naivePool($0, steps: steps, batch: batch, features: features, lengths: lengths, testCase: testCase)
        }
        expectApproximatelyEqual(
            result.output.scalars, twin(input.scalars.map(Double.init)), absoluteTolerance: 1e-6, "output")
        let expected = finiteDifferenceGradients(parameters: [], input: input.scalars, outputGradient: outputGradient) {
            twin($1)
        }
        #expect(inputGradient.shape == shape)
        expectApproximatelyEqual(inputGradient.scalars, expected.input, absoluteTolerance: 1e-6, "input gradient")
    }

    @Test(arguments: [false, true])
    func lastStateIsTheGRUsFinalStateOfTheLastLayer(bidirectional: Bool) throws {
        let configuration = GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2, isBidirectional: bidirectional)
        let gru = GRU(configuration: configuration, seed: 4)
        let lengths = [5, 2, 3]
        var random = RandomData(seed: 1)
        let result = try gru.forward(random.tensor([5, 3, 3]), lengths: lengths)
        let pooled = try SequencePooling(.lastState, directionCount: configuration.directionCount)
            .forward(result.output, lengths: lengths).output
        // finalState (L*D, B, H): the last layer's directions, side by side per sequence.
        let final = result.finalState.scalars, hidden = 4, directions = configuration.directionCount
        let expected = (0..<3).flatMap { b in
            (0..<directions).flatMap { d in
                let start = ((configuration.layerCount - 1) * directions + d) * 3 * hidden + b * hidden
                return final[start..<(start + hidden)]
            }
        }
        #expect(pooled.scalars == expected)
    }

    @Test func lengthsOutOfRangeAreRejected() {
        let pooling = SequencePooling(.mean)
        let input = Tensor(shape: [3, 2, 1])
        expectInputError(message: "lengths: lengths[1] is 4; expected 1...3 (the sequence length T)") {
            _ = try pooling.forward(input, lengths: [3, 4])
        }
        expectInputError(message: "lengths: 1 entries; expected one per sequence, 2") {
            _ = try pooling.forward(input, lengths: [3])
        }
        #expect(throws: GRUInputError.self) { _ = try pooling.forward(Tensor(shape: [3, 2])) }
    }
}
