import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// A `SteppedRecurrentSweep` fed inputs known in advance equals `GRULayer.forward` and
/// `backward` over the whole sequence: states, input and initial-state gradients, and the
/// parameter gradients it forms once over all T*B rows. Batch 3 shares a step by hidden units
/// (or runs on one thread), batch 64 by rows.
@Suite(.tags(.unit))
struct SteppedRecurrentSweepTests {
    @Test(arguments: [(GRUVariant.resetAfter, 3), (.resetAfter, 64), (.resetBefore, 3), (.resetBefore, 64)])
    func equalsTheLayersSweep(_ variant: GRUVariant, _ batch: Int) throws {
        let configuration = GRUConfiguration(inputSize: 7, hiddenSize: 40, variant: variant)
        let gru = GRU(configuration: configuration, seed: 6)
        var random = RandomData(seed: 7)
        let steps = 5, h = 40, inputSize = 7
        let input = random.tensor([steps, batch, inputSize])
        let initialState = random.tensor([1, batch, h])
        let outputGradient = random.tensor([steps, batch, h])
        let finalStateGradient = random.tensor([1, batch, h])
        let whole = try gru.forward(input, initialState: initialState)
        let wholeGradients = try gru.backward(
            whole, outputGradient: outputGradient, finalStateGradient: finalStateGradient)

        var gradients = [Float](repeating: 0, count: gru.parameters.values.count)
        var states: [Float] = [], inputGradient = [Float](repeating: 0, count: steps * batch * inputSize)
        var initialStateGradient: [Float] = []
        gru.parameters.values.withUnsafeBufferPointer { weights in
            let sweep = initialState.scalars.withUnsafeBufferPointer {
                SteppedRecurrentSweep(
                    gru.layer, steps: steps, batch: batch, initialState: $0.baseAddress!, weights: weights)
            }
            for t in 0..<steps {
                sweep.input(step: t).update(
                    from: Array(input.scalars[(t * batch * inputSize)...]), count: batch * inputSize)
                states += UnsafeBufferPointer(start: sweep.forward(step: t), count: batch * h)
            }
            var stateGradient = (0..<(batch * h)).map {
                finalStateGradient.scalars[$0] + outputGradient.scalars[(steps - 1) * batch * h + $0]
            }
            for t in (0..<steps).reversed() {
                let through = inputGradient.withUnsafeMutableBufferPointer { dx in
                    sweep.backward(
                        step: t, stateGradient: stateGradient, inputGradient: dx.baseAddress! + t * batch * inputSize)
                }
                stateGradient = (0..<(batch * h)).map {
                    through[$0] + (t > 0 ? outputGradient.scalars[(t - 1) * batch * h + $0] : 0)
                }
            }
            initialStateGradient = stateGradient
            gradients.withUnsafeMutableBufferPointer { sweep.accumulateParameterGradients(into: $0.baseAddress!) }
        }
        expectApproximatelyEqual(states, whole.output.scalars, absoluteTolerance: 1e-6, "states")
        expectApproximatelyEqual(inputGradient, wholeGradients.input.scalars, absoluteTolerance: 1e-5, "input gradient")
        expectApproximatelyEqual(
            initialStateGradient, wholeGradients.initialState.scalars, absoluteTolerance: 1e-5, "initial state gradient"
        )
        expectApproximatelyEqual(
            gradients, wholeGradients.parameters.values, absoluteTolerance: 1e-5, relativeTolerance: 1e-5,
            "parameter gradients")
    }
}
