import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// A `SteppedRecurrentSweep` fed inputs known in advance equals `GRULayer.forward` and
/// `backward` over the whole sequence: states, input and initial-state gradients, and the
/// parameter gradients it forms once over all T*B rows. Batch 3 shares a step by hidden units
/// (or runs on one thread), batch 64 by rows. With training's recurrent dropout, zoneout and
/// weight-drop it draws and applies the layer's masks; without them, a layer trained with
/// zoneout takes its expectation.
@Suite(.tags(.unit))
struct SteppedRecurrentSweepTests {
    static let regularized: [(GRUDropout?, Float)] = [
        (GRUDropout(recurrent: 0.3, seed: 3), 0), (GRUDropout(zoneout: 0.25, seed: 4), 0.25),
        (GRUDropout(weightDrop: 0.4, seed: 5), 0),
        (GRUDropout(betweenLayers: 0.2, recurrent: 0.3, zoneout: 0.2, weightDrop: 0.3, seed: 6), 0.2), (nil, 0.3),
    ]

    @Test(arguments: [(GRUVariant.resetAfter, 3), (.resetAfter, 64), (.resetBefore, 3), (.resetBefore, 64)])
    func equalsTheLayersSweep(_ variant: GRUVariant, _ batch: Int) throws {
        try expectStepsEqualTheLayer(variant: variant, batch: batch, dropout: nil, zoneout: 0)
    }

    @Test(arguments: [GRUVariant.resetAfter, .resetBefore], [3, 64])
    func regularizedEqualsTheLayersSweep(_ variant: GRUVariant, _ batch: Int) throws {
        for (dropout, zoneout) in Self.regularized {
            try expectStepsEqualTheLayer(variant: variant, batch: batch, dropout: dropout, zoneout: zoneout)
        }
    }

    private func expectStepsEqualTheLayer(variant: GRUVariant, batch: Int, dropout: GRUDropout?, zoneout: Float) throws
    {
        let configuration = GRUConfiguration(inputSize: 7, hiddenSize: 40, variant: variant)
        let gru = GRU(configuration: configuration, seed: 6)
        let layer = GRULayer(configuration, zoneout: zoneout)
        var random = RandomData(seed: 7)
        let steps = 5, h = 40, inputSize = 7
        let input = random.tensor([steps, batch, inputSize])
        let initialState = random.tensor([1, batch, h])
        let outputGradient = random.tensor([steps, batch, h])
        let finalStateGradient = random.tensor([1, batch, h])
        let weights = gru.parameters.values
        let whole = try weights.withUnsafeBufferPointer {
            try layer.forward(input, initialState: initialState, weights: $0, dropout: dropout)
        }
        var wholeParameterGradients = [Float](repeating: 0, count: weights.count)
        let wholeGradients = try weights.withUnsafeBufferPointer { w in
            try wholeParameterGradients.withUnsafeMutableBufferPointer { g in
                try layer.backward(
                    whole, outputGradient: outputGradient, finalStateGradient: finalStateGradient, weights: w,
                    gradients: g)
            }
        }
        let label = "\(variant) B\(batch) \(dropout.map { "\($0)" } ?? "no dropout") zoneout \(zoneout)"

        var gradients = [Float](repeating: 0, count: gru.parameters.values.count)
        var states: [Float] = [], inputGradient = [Float](repeating: 0, count: steps * batch * inputSize)
        var initialStateGradient: [Float] = []
        gru.parameters.values.withUnsafeBufferPointer { weights in
            let sweep = initialState.scalars.withUnsafeBufferPointer {
                SteppedRecurrentSweep(
                    layer, steps: steps, batch: batch, initialState: $0.baseAddress!, weights: weights,
                    dropout: dropout)
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
        expectApproximatelyEqual(states, whole.output.scalars, absoluteTolerance: 1e-6, "states, \(label)")
        expectApproximatelyEqual(
            inputGradient, wholeGradients.input.scalars, absoluteTolerance: 1e-5, "input gradient, \(label)")
        expectApproximatelyEqual(
            initialStateGradient, wholeGradients.initialState.scalars, absoluteTolerance: 1e-5,
            "initial state gradient, \(label)")
        expectApproximatelyEqual(
            gradients, wholeParameterGradients, absoluteTolerance: 1e-5, relativeTolerance: 1e-5,
            "parameter gradients, \(label)")
    }
}
