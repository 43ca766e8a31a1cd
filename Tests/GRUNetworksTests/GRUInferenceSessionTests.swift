import GRUNetworks
import GRUTensor
import Testing

/// The inference session against `GRU.forward`, on every path it takes: the packed product
/// for one small sequence, BLAS gemv for one large sequence, the recurrence split across
/// threads for larger reset-after batches, and plain GEMMs otherwise; and streaming one step
/// at a time against the whole sequence.
struct GRUInferenceSessionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var variant: GRUVariant
        var batch: Int
        var hidden: Int
        var layers = 1
        var bidirectional = false
        var testDescription: String {
            "\(variant.rawValue) B\(batch) H\(hidden) L\(layers)\(bidirectional ? " bi" : "")"
        }
    }

    static let cases: [Case] = [
        Case(variant: .resetAfter, batch: 1, hidden: 40),  // packed matrix-vector product
        Case(variant: .resetBefore, batch: 1, hidden: 40),
        Case(variant: .resetAfter, batch: 1, hidden: 300),  // BLAS gemv
        Case(variant: .resetAfter, batch: 8, hidden: 440, layers: 2, bidirectional: true),  // split across threads
        Case(variant: .resetAfter, batch: 3, hidden: 33),  // one GEMM per step
        Case(variant: .resetBefore, batch: 8, hidden: 440, layers: 2, bidirectional: true),
    ]

    @Test(arguments: cases)
    func matchesTheTrainingForward(_ testCase: Case) throws {
        let configuration = GRUConfiguration(
            inputSize: 5, hiddenSize: testCase.hidden, layerCount: testCase.layers,
            isBidirectional: testCase.bidirectional, variant: testCase.variant)
        let gru = GRU(configuration: configuration, seed: 3)
        var random = RandomData(seed: 4)
        let steps = 6
        let input = random.tensor([steps, testCase.batch, 5])
        let initialState = random.tensor([configuration.stateCount, testCase.batch, testCase.hidden])
        let lengths = (0..<testCase.batch).map { steps - $0 % 3 }
        let expected = try gru.forward(input, initialState: initialState, lengths: lengths)
        let session = GRUInferenceSession(gru)
        for _ in 0..<2 {  // the second call reuses the buffers
            let result = try session.run(input, initialState: initialState, lengths: lengths)
            expectApproximatelyEqual(result.output, expected.output, absoluteTolerance: 2e-6, "output")
            expectApproximatelyEqual(result.finalState, expected.finalState, absoluteTolerance: 2e-6, "final state")
        }
    }

    @Test(arguments: [40, 300])
    func streamingStepByStepEqualsTheWholeSequence(hidden: Int) throws {
        let gru = GRU(configuration: GRUConfiguration(inputSize: 4, hiddenSize: hidden), seed: 5)
        var random = RandomData(seed: 6)
        let input = random.tensor([7, 1, 4])
        let whole = try GRUInferenceSession(gru).run(input)
        let session = GRUInferenceSession(gru)
        var state: Tensor? = nil
        for t in 0..<7 {
            let step = Tensor(shape: [1, 1, 4], scalars: Array(input.scalars[(t * 4)..<((t + 1) * 4)]))
            let result = try session.run(step, initialState: state)
            state = result.finalState
            expectApproximatelyEqual(
                result.output.scalars, whole.output.scalars[(t * hidden)..<((t + 1) * hidden)].map(Double.init),
                absoluteTolerance: 1e-6, "step \(t)")
        }
    }
}
