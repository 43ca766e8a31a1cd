import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// Linear: finite differences through a Double twin, accumulation and initialization.
@Suite(.tags(.unit))
struct LinearTests {
    /// y = x W^T + b in Double, W (O, I) row-major then b, over rows of I.
    static func naiveForward(_ layer: Linear, _ theta: [Double], _ x: [Double]) -> [Double] {
        let (inputs, outputs) = (layer.inputSize, layer.outputSize)
        return (0..<(x.count / inputs)).flatMap { row in
            (0..<outputs).map { o in
                var sum = layer.hasBias ? theta[outputs * inputs + o] : 0
                for i in 0..<inputs { sum += theta[o * inputs + i] * x[row * inputs + i] }
                return sum
            }
        }
    }

    @Test(arguments: [true, false])
    func backwardMatchesFiniteDifferences(hasBias: Bool) {
        let layer = Linear(inputSize: 4, outputSize: 3, hasBias: hasBias)
        var random = RandomData(seed: 21)
        let weights = random.tensor([layer.parameterCount]).scalars
        let input = random.tensor([2, 3, 4])
        let outputGradient = random.tensor([2, 3, 3])
        let ((result, inputGradient), gradients) = withSlices(weights) { w, g in
            let result = layer.forward(input, weights: w)
            return (result, layer.backward(result, outputGradient: outputGradient, weights: w, gradients: g))
        }
        #expect(result.output.shape == [2, 3, 3])
        expectApproximatelyEqual(
            result.output.scalars, Self.naiveForward(layer, weights.map(Double.init), input.scalars.map(Double.init)),
            absoluteTolerance: 1e-6, "output")
        let expected = finiteDifferenceGradients(
            parameters: weights, input: input.scalars, outputGradient: outputGradient
        ) { Self.naiveForward(layer, $0, $1) }
        expectApproximatelyEqual(
            gradients, expected.parameters, absoluteTolerance: 1e-5, relativeTolerance: 1e-4, "parameter gradients")
        expectApproximatelyEqual(
            inputGradient.scalars, expected.input, absoluteTolerance: 1e-5, relativeTolerance: 1e-4, "input gradient")
    }

    @Test func backwardAccumulatesIntoGradients() {
        let layer = Linear(inputSize: 3, outputSize: 2)
        var random = RandomData(seed: 5)
        let weights = random.tensor([layer.parameterCount]).scalars
        let input = random.tensor([4, 3]), outputGradient = random.tensor([4, 2])
        let (_, once) = withSlices(weights) { w, g in
            _ = layer.backward(
                layer.forward(input, weights: w), outputGradient: outputGradient, weights: w, gradients: g)
        }
        let (_, twice) = withSlices(weights) { w, g in
            for _ in 0..<2 {
                _ = layer.backward(
                    layer.forward(input, weights: w), outputGradient: outputGradient, weights: w, gradients: g)
            }
        }
        expectApproximatelyEqual(twice, once.map { 2 * Double($0) }, absoluteTolerance: 1e-6, "accumulated gradients")
    }

    @Test func initializationFollowsPyTorchAndKeras() {
        let layer = Linear(inputSize: 16, outputSize: 8)
        let pytorch = initializedSlice(count: layer.parameterCount, seed: 3) { layer.initialize($0, using: &$1) }
        #expect(pytorch.allSatisfy { abs($0) <= 0.25 })
        #expect(pytorch.contains { abs($0) > 0.2 })
        #expect(pytorch == initializedSlice(count: layer.parameterCount, seed: 3) { layer.initialize($0, using: &$1) })
        let keras = initializedSlice(count: layer.parameterCount, seed: 3) {
            layer.initialize($0, using: &$1, as: .keras)
        }
        let bound = (6 / Float(24)).squareRoot()
        #expect(keras[0..<128].allSatisfy { abs($0) <= bound } && keras[0..<128].contains { abs($0) > 0.25 })
        #expect(keras[128...].allSatisfy { $0 == 0 })
    }
}

/// Linear against PyTorch's nn.Linear (layers.safetensors, from
/// Tools/Reference/make_training_fixtures.py).
@Suite(.tags(.reference))
struct LinearReferenceTests {
    @Test func matchesPyTorch() throws {
        let fixture = try TrainingFixture("layers")
        let weight = try fixture.tensor("linear", "weight"), bias = try fixture.tensor("linear", "bias")
        let layer = Linear(inputSize: 4, outputSize: 3)
        #expect(layer.parameterSlots.map(\.name) == ["weight", "bias"])
        #expect(layer.slot(named: "weight")?.shape == weight.shape)
        #expect(layer.slot(named: "bias")?.shape == bias.shape)
        let weights = weight.scalars + bias.scalars
        let ((result, inputGradient), gradients) = try withSlices(weights) { w, g in
            let result = layer.forward(try fixture.tensor("linear", "input"), weights: w)
            return (
                result,
                layer.backward(
                    result, outputGradient: try fixture.tensor("linear", "grad_output"), weights: w, gradients: g)
            )
        }
        expectApproximatelyEqual(
            result.output, try fixture.tensor("linear", "output"), absoluteTolerance: 1e-6, "output")
        expectApproximatelyEqual(
            inputGradient, try fixture.tensor("linear", "grad.input"), absoluteTolerance: 1e-6, "input gradient")
        let expectedGradients =
            try fixture.tensor("linear", "grad.weight").scalars + fixture.tensor("linear", "grad.bias").scalars
        expectApproximatelyEqual(
            gradients, expectedGradients.map(Double.init), absoluteTolerance: 1e-5, "parameter gradients")
    }
}
