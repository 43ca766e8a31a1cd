import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// Every loss's gradient against central differences of its Double twin (`NaiveLosses`), with
/// masks, class weights, label smoothing and positive weights.
@Suite(.tags(.unit))
struct LossGradientCheckTests {
    static let steps = 3, batch = 2, lengths = [3, 1]
    static let mask = sequenceMask(lengths: lengths, steps: steps)

    struct CrossEntropyCase: CustomTestStringConvertible, Sendable {
        var masked = false
        var weighted = false
        var smoothing: Float = 0
        var testDescription: String { "masked \(masked), weighted \(weighted), smoothing \(smoothing)" }
    }

    static let crossEntropyCases = [
        CrossEntropyCase(), CrossEntropyCase(masked: true), CrossEntropyCase(weighted: true),
        CrossEntropyCase(smoothing: 0.2), CrossEntropyCase(masked: true, weighted: true, smoothing: 0.1),
    ]

    @Test(arguments: crossEntropyCases)
    func crossEntropy(_ testCase: CrossEntropyCase) throws {
        let classes = 4
        var random = RandomData(seed: 17)
        let logits = random.tensor([Self.steps, Self.batch, classes], scale: 2)
        let targets = [2, 0, 3, 1, 1, 2]
        let weights: [Float]? = testCase.weighted ? [0.5, 2, 1, 0.25] : nil
        let mask = testCase.masked ? Self.mask : nil
        let loss = CrossEntropyLoss(classWeights: weights, labelSmoothing: testCase.smoothing)
        let (value, gradient) = try loss(logits: logits, targets: targets, mask: mask)
        let twin: ([Double]) -> Double = {
            NaiveLosses.crossEntropy(
                $0, classes: classes, targets: targets, mask: mask, weights: weights?.map(Double.init),
                smoothing: Double(testCase.smoothing))
        }
        Self.expect(value, gradient, matches: twin, at: logits)
    }

    @Test(arguments: [false, true])
    func binaryCrossEntropy(masked: Bool) throws {
        var random = RandomData(seed: 19)
        let logits = random.tensor([Self.steps, Self.batch, 2], scale: 3)
        let targets = Tensor(shape: logits.shape, scalars: [1, 0, 0.3, 1, 0, 0.8, 1, 1, 0, 0, 0.5, 1])
        let positiveWeights: [Float] = [2.5, 0.7]
        let mask = masked ? Self.mask : nil
        let (value, gradient) = try BinaryCrossEntropyLoss(positiveWeights: positiveWeights)(
            logits: logits, targets: targets, mask: mask)
        let y = targets.scalars.map(Double.init)
        Self.expect(
            value, gradient,
            matches: { x in
                NaiveLosses.elementwise(x, y, width: 2, mask: mask) {
                    NaiveLosses.binaryCrossEntropy($0, $1, positiveWeight: Double(positiveWeights[$2]))
                }
            }, at: logits)
    }

    @Test(arguments: [false, true])
    func meanSquaredAndAbsoluteError(masked: Bool) throws {
        var random = RandomData(seed: 23)
        let predictions = random.tensor([Self.steps, Self.batch, 2])
        // Away from ties, where |x - y| has no derivative for finite differences to find.
        let targets = Tensor(
            shape: predictions.shape,
            scalars: predictions.scalars.enumerated().map {
                $0.element + ($0.offset % 2 == 0 ? 0.3 : -0.4)
            })
        let mask = masked ? Self.mask : nil
        let y = targets.scalars.map(Double.init)
        let squared = try MeanSquaredErrorLoss()(predictions: predictions, targets: targets, mask: mask)
        Self.expect(
            squared.loss, squared.gradient,
            matches: { x in
                NaiveLosses.elementwise(x, y, width: 2, mask: mask) { x, y, _ in (x - y) * (x - y) }
            }, at: predictions)
        let absolute = try MeanAbsoluteErrorLoss()(predictions: predictions, targets: targets, mask: mask)
        Self.expect(
            absolute.loss, absolute.gradient,
            matches: { x in
                NaiveLosses.elementwise(x, y, width: 2, mask: mask) { x, y, _ in abs(x - y) }
            }, at: predictions)
    }

    static func expect(
        _ value: Float, _ gradient: Tensor, matches twin: ([Double]) -> Double, at input: Tensor,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let x = input.scalars.map(Double.init)
        #expect(gradient.shape == input.shape, sourceLocation: sourceLocation)
        expectApproximatelyEqual(
            [value], [twin(x)], absoluteTolerance: 1e-6, relativeTolerance: 1e-6, "loss",
            sourceLocation: sourceLocation)
        expectApproximatelyEqual(
            gradient.scalars, centralDifferences(x, twin), absoluteTolerance: 1e-6,
            relativeTolerance: 1e-4, "gradient", sourceLocation: sourceLocation)
    }
}
