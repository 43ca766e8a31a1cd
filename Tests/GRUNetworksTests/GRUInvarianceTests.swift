import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// Properties that must hold whatever the reference says: missing initial state == zeros,
/// a batch == its sequences run one by one, batch-first == time-major, seeded initialization.
@Suite(.tags(.unit))
struct GRUInvarianceTests {
    let configuration = GRUConfiguration(
        inputSize: 3, hiddenSize: 5, layerCount: 2, isBidirectional: true, variant: .resetBefore)

    @Test func missingInitialStateEqualsZeros() throws {
        let gru = GRU(configuration: configuration, seed: 1)
        var random = RandomData(seed: 2)
        let input = random.tensor([4, 2, 3])
        let zeros = Tensor(shape: [configuration.stateCount, 2, 5])
        let implicit = try gru.forward(input)
        let explicit = try gru.forward(input, initialState: zeros)
        #expect(implicit.output == explicit.output)
        #expect(implicit.finalState == explicit.finalState)
    }

    @Test(arguments: GRUVariant.allCases)
    func batchEqualsSequencesOneByOne(_ variant: GRUVariant) throws {
        var config = configuration
        config.variant = variant
        let gru = GRU(configuration: config, seed: 4)
        var random = RandomData(seed: 5)
        let steps = 5, batch = 3, lengths = [5, 2, 4]
        let input = random.tensor([steps, batch, 3])
        let initialState = random.tensor([config.stateCount, batch, 5])
        let outputGradient = random.tensor([steps, batch, config.outputSize])
        let batched = try gru.forward(input, initialState: initialState, lengths: lengths)
        let batchedGradients = try gru.backward(batched, outputGradient: outputGradient)
        var parameterGradientSum = [Float](repeating: 0, count: gru.parameters.values.count)

        for b in 0..<batch {
            let length = lengths[b]
            // Sequence b alone, cut to its own length: no padding at all.
            let single = try gru.forward(
                slice(input, batch: b, steps: length), initialState: slice(initialState, column: b))
            let singleGradients = try gru.backward(
                single, outputGradient: slice(outputGradient, batch: b, steps: length))
            expectApproximatelyEqual(
                single.output, slice(batched.output, batch: b, steps: length),
                absoluteTolerance: 1e-6, "output of sequence \(b)")
            expectApproximatelyEqual(
                single.finalState, slice(batched.finalState, column: b),
                absoluteTolerance: 1e-6, "final state of sequence \(b)")
            expectApproximatelyEqual(
                singleGradients.input, slice(batchedGradients.input, batch: b, steps: length),
                absoluteTolerance: 1e-6, "input gradient of sequence \(b)")
            for i in parameterGradientSum.indices { parameterGradientSum[i] += singleGradients.parameters.values[i] }
            // Past its length, the batched output is zero and the input gradient is zero.
            let padded = slice(batched.output, batch: b, steps: steps).scalars.dropFirst(length * config.outputSize)
            #expect(padded.allSatisfy { $0 == 0 })
        }
        expectApproximatelyEqual(
            batchedGradients.parameters.values, parameterGradientSum.map(Double.init),
            absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "parameter gradients summed over sequences")
    }

    /// Batches are shared across threads, in part counts forced so that any machine runs every
    /// way: 8 rows of one direction by hidden units in 3 parts (barriers every step), 19 rows
    /// by batch rows in 2 (unevenly), and a bidirectional layer's two directions at once. Every
    /// way, for both variants, must give the outputs and gradients of the sequences run one by
    /// one on one thread.
    @Test(
        arguments: GRUVariant.allCases.flatMap { variant in
            [(8, false, 3), (19, false, 2), (8, true, 2)].map { (variant, $0.0, $0.1, $0.2) }
        })
    func stepsSplitAcrossThreadsMatchOneThread(variant: GRUVariant, batch: Int, bidirectional: Bool, parts: Int) throws
    {
        let config = GRUConfiguration(
            inputSize: 3, hiddenSize: 440, layerCount: 1, isBidirectional: bidirectional, variant: variant)
        let gru = GRU(configuration: config, seed: 8)
        var random = RandomData(seed: 9)
        let steps = 4
        let lengths = (0..<batch).map { steps - $0 % 4 }
        let input = random.tensor([steps, batch, 3])
        let outputGradient = random.tensor([steps, batch, config.outputSize])
        let finalStateGradient = random.tensor([config.stateCount, batch, 440])
        let (batched, batchedGradients) = try ThreadTeam.withParts(parts) {
            #expect(ThreadTeam.defaultParts == parts)
            let batched = try gru.forward(input, lengths: lengths)
            return (
                batched,
                try gru.backward(batched, outputGradient: outputGradient, finalStateGradient: finalStateGradient)
            )
        }
        var parameterGradientSum = [Float](repeating: 0, count: gru.parameters.values.count)
        try ThreadTeam.withParts(1) {
            for b in 0..<batch {
                let single = try gru.forward(slice(input, batch: b, steps: lengths[b]))
                let singleGradients = try gru.backward(
                    single, outputGradient: slice(outputGradient, batch: b, steps: lengths[b]),
                    finalStateGradient: slice(finalStateGradient, column: b))
                expectApproximatelyEqual(
                    single.output, slice(batched.output, batch: b, steps: lengths[b]),
                    absoluteTolerance: 1e-6, "output of sequence \(b)")
                expectApproximatelyEqual(
                    single.finalState, slice(batched.finalState, column: b),
                    absoluteTolerance: 1e-6, "final state of sequence \(b)")
                expectApproximatelyEqual(
                    singleGradients.input, slice(batchedGradients.input, batch: b, steps: lengths[b]),
                    absoluteTolerance: 1e-5, "input gradient of sequence \(b)")
                expectApproximatelyEqual(
                    singleGradients.initialState, slice(batchedGradients.initialState, column: b),
                    absoluteTolerance: 1e-5, "initial state gradient of sequence \(b)")
                for i in parameterGradientSum.indices {
                    parameterGradientSum[i] += singleGradients.parameters.values[i]
                }
            }
        }
        expectApproximatelyEqual(
            batchedGradients.parameters.values, parameterGradientSum.map(Double.init),
            absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "parameter gradients summed over sequences")
    }

    @Test func batchFirstEqualsTimeMajor() throws {
        let gru = GRU(configuration: configuration, seed: 6)
        var random = RandomData(seed: 7)
        let input = random.tensor([4, 3, 3])
        let outputGradient = random.tensor([4, 3, configuration.outputSize])
        let timeMajor = try gru.forward(input, lengths: [4, 1, 3])
        let batchFirst = try gru.forward(input.swappingFirstTwoAxes(), lengths: [4, 1, 3], layout: .batchFirst)
        #expect(batchFirst.output == timeMajor.output.swappingFirstTwoAxes())
        #expect(batchFirst.finalState == timeMajor.finalState)
        let timeMajorGradients = try gru.backward(timeMajor, outputGradient: outputGradient)
        let batchFirstGradients = try gru.backward(
            batchFirst, outputGradient: outputGradient.swappingFirstTwoAxes())
        #expect(batchFirstGradients.input == timeMajorGradients.input.swappingFirstTwoAxes())
        #expect(batchFirstGradients.parameters == timeMajorGradients.parameters)
    }

    @Test func pytorchInitializationIsSeededAndBounded() {
        let a = GRUParameters(configuration: configuration, initialization: .pytorch, seed: 9)
        let b = GRUParameters(configuration: configuration, initialization: .pytorch, seed: 9)
        let c = GRUParameters(configuration: configuration, initialization: .pytorch, seed: 10)
        #expect(a == b)
        #expect(a != c)
        let bound = 1 / Float(5).squareRoot()
        #expect(a.values.allSatisfy { abs($0) <= bound })
        #expect(a.values.map(abs).max()! > 0.9 * bound)
    }

    @Test func kerasInitializationHasOrthogonalRecurrentKernelAndZeroBias() throws {
        let parameters = GRUParameters(configuration: configuration, initialization: .keras, seed: 3)
        let tensors = (0..<configuration.layerCount).flatMap { layer in
            (0..<configuration.directionCount).flatMap { direction in
                RecurrentParameterRole.allCases.map { ($0, parameters.slot($0, layer: layer, direction: direction)) }
            }
        }
        #expect(tensors.count == parameters.slots.count)
        for (role, slot) in tensors {
            let slot = try #require(slot)
            let values = parameters.tensor(for: slot).scalars
            switch role {
            case .inputBias, .recurrentBias:
                #expect(values.allSatisfy { $0 == 0 })
            case .inputWeight:
                let bound = (6 / Float(slot.shape[0] + slot.shape[1])).squareRoot()
                #expect(values.allSatisfy { abs($0) <= bound })
            case .recurrentWeight:
                // W_hh (3H, H) has orthonormal columns: W^T W == I.
                let rows = slot.shape[0], columns = slot.shape[1]
                for i in 0..<columns {
                    for j in 0..<columns {
                        let dot = (0..<rows).reduce(Float(0)) {
                            $0 + values[$1 * columns + i] * values[$1 * columns + j]
                        }
                        #expect(abs(dot - (i == j ? 1 : 0)) < 1e-5)
                    }
                }
            }
        }
    }

    // MARK: - Helpers

    /// Sequence `batch` of a time-major (T, B, F) tensor, its first `steps` steps, as (steps, 1, F).
    private func slice(_ tensor: Tensor, batch b: Int, steps: Int) -> Tensor {
        let batch = tensor.shape[1], width = tensor.shape[2]
        var scalars: [Float] = []
        for t in 0..<steps {
            let start = (t * batch + b) * width
            scalars += tensor.scalars[start..<(start + width)]
        }
        return Tensor(shape: [steps, 1, width], scalars: scalars)
    }

    /// Column `b` of a (S, B, H) state tensor, as (S, 1, H).
    private func slice(_ tensor: Tensor, column b: Int) -> Tensor {
        slice(tensor, batch: b, steps: tensor.shape[0])
    }
}
