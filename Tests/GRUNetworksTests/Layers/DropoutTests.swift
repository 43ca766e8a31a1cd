import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// Dropout: the gradient with a fixed mask, inference, mask statistics and repetition.
@Suite(.tags(.unit))
struct DropoutTests {
    @Test func backwardMatchesFiniteDifferencesWithAFixedMask() {
        let dropout = Dropout(rate: 0.4)
        var random = RandomData(seed: 2)
        let input = random.tensor([3, 2, 4]), outputGradient = random.tensor([3, 2, 4])
        var generator = SeededGenerator(seed: 9)
        let mask = dropout.makeMask(count: 8, using: &generator)  // (B, F), repeated over T
        let result = dropout.forward(input, mask: mask)
        let inputGradient = dropout.backward(result, outputGradient: outputGradient)
        let twin: ([Double]) -> [Double] = { x in x.indices.map { x[$0] * Double(mask[$0 % 8]) } }
        expectApproximatelyEqual(
            result.output.scalars, twin(input.scalars.map(Double.init)), absoluteTolerance: 1e-6, "output")
        let expected = finiteDifferenceGradients(parameters: [], input: input.scalars, outputGradient: outputGradient) {
            _, x in twin(x)
        }
        expectApproximatelyEqual(inputGradient.scalars, expected.input, absoluteTolerance: 1e-6, "input gradient")
    }

    @Test func inferenceIsTheIdentityAndDrawsNothing() {
        let dropout = Dropout(rate: 0.5)
        var random = RandomData(seed: 4)
        let input = random.tensor([5, 3])
        var generator = SeededGenerator(seed: 1)
        let result = dropout.forward(input, isTraining: false, using: &generator)
        #expect(result.output == input && result.mask == nil)
        #expect(dropout.backward(result, outputGradient: input) == input)
        var fresh = SeededGenerator(seed: 1)
        #expect(generator.next() == fresh.next())
    }

    @Test func trainingDropsAboutTheRateAndScalesTheRest() {
        let dropout = Dropout(rate: 0.3)
        let input = Tensor(shape: [100, 100], repeating: 2)
        var generator = SeededGenerator(seed: 6)
        let result = dropout.forward(input, isTraining: true, using: &generator)
        let dropped = result.output.scalars.filter { $0 == 0 }.count
        #expect(abs(Double(dropped) / 10_000 - 0.3) < 0.02, "dropped \(dropped) of 10000")
        #expect(result.output.scalars.allSatisfy { $0 == 0 || abs($0 - 2 / 0.7) < 1e-6 })
        var again = SeededGenerator(seed: 6)
        #expect(dropout.forward(input, isTraining: true, using: &again).mask == result.mask)
    }

    @Test func aShorterMaskRepeatsOverTime() {
        let dropout = Dropout(rate: 0.5)
        var generator = SeededGenerator(seed: 3)
        let mask = dropout.makeMask(count: 6, using: &generator)
        let output = dropout.forward(Tensor(shape: [4, 2, 3], repeating: 1), mask: mask).output
        for step in 0..<4 { #expect(Array(output.scalars[(step * 6)..<(step * 6 + 6)]) == mask) }
    }

    @Test func rateOneDropsEverything() {
        var generator = SeededGenerator(seed: 3)
        let result = Dropout(rate: 1).forward(Tensor(shape: [10], repeating: 1), isTraining: true, using: &generator)
        #expect(result.output.scalars.allSatisfy { $0 == 0 })
    }
}
