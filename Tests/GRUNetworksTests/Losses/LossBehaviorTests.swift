import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// What the losses reject, what they do with nothing to average, and `sequenceMask`.
@Suite(.tags(.unit))
struct LossBehaviorTests {
    let logits = Tensor(shape: [2, 3], scalars: [1, 2, 3, -1, 0, 1])

    @Test func crossEntropyRejectsWhatDoesNotFit() {
        let loss = CrossEntropyLoss()
        expectInputError(message: "targets: target 3 of row 1; expected targets in the classes 0..<3") {
            _ = try loss(logits: logits, targets: [0, 3])
        }
        expectInputError(message: "targets: 3 entries; expected one per row of the logits, 2") {
            _ = try loss(logits: logits, targets: [0, 1, 2])
        }
        expectInputError(message: "mask: 1 entries; expected one per row, 2") {
            _ = try loss(logits: logits, targets: [0, 1], mask: [true])
        }
        expectInputError(message: "class weights: 2 entries; expected one per class, 3") {
            _ = try CrossEntropyLoss(classWeights: [1, 2])(logits: logits, targets: [0, 1])
        }
    }

    @Test func maskedRowsMayHoldAnyTargetAndGetNoGradient() throws {
        let (value, gradient) = try CrossEntropyLoss()(logits: logits, targets: [2, -100], mask: [true, false])
        let (alone, aloneGradient) = try CrossEntropyLoss()(
            logits: Tensor(shape: [1, 3], scalars: [1, 2, 3]), targets: [2])
        #expect(value == alone)
        #expect(Array(gradient.scalars[0..<3]) == aloneGradient.scalars)
        #expect(gradient.scalars[3...].allSatisfy { $0 == 0 })
    }

    @Test func nothingValidGivesZeroLossAndGradient() throws {
        let ce = try CrossEntropyLoss()(logits: logits, targets: [0, 0], mask: [false, false])
        let mse = try MeanSquaredErrorLoss()(predictions: logits, targets: logits, mask: [false, false])
        for (value, gradient) in [ce, mse] {
            #expect(value == 0 && gradient.scalars.allSatisfy { $0 == 0 })
        }
    }

    @Test func elementwiseLossesRejectWhatDoesNotFit() {
        expectInputError(message: "targets: shape [3, 2]; expected [2, 3], the predictions' shape") {
            _ = try MeanSquaredErrorLoss()(predictions: logits, targets: Tensor(shape: [3, 2]))
        }
        expectInputError(message: "positive weights: 2 entries; expected 1 or 3, one per column") {
            _ = try BinaryCrossEntropyLoss(positiveWeights: [1, 2])(logits: logits, targets: logits)
        }
        #expect(throws: GRUInputError.self) {
            _ = try MeanAbsoluteErrorLoss()(predictions: Tensor(shape: [0, 3]), targets: Tensor(shape: [0, 3]))
        }
    }

    @Test func meanAbsoluteErrorHasZeroGradientAtTies() throws {
        let (value, gradient) = try MeanAbsoluteErrorLoss()(
            predictions: Tensor(shape: [4], scalars: [1, 2, 3, 4]), targets: Tensor(shape: [4], scalars: [1, 3, 2, 4]))
        #expect(value == 0.5)
        #expect(gradient.scalars == [0, -0.25, 0.25, 0])
    }

    @Test func binaryCrossEntropyIsFiniteForHugeLogits() throws {
        let x = Tensor(shape: [4], scalars: [200, -200, 200, -200]), y = Tensor(shape: [4], scalars: [1, 0, 0, 1])
        let (value, gradient) = try BinaryCrossEntropyLoss()(logits: x, targets: y)
        #expect(abs(value - 100) < 1e-4)
        #expect(gradient.scalars == [0, 0, 0.25, -0.25])
    }

    @Test func sequenceMaskFollowsTheLayout() {
        #expect(
            sequenceMask(lengths: [2, 3, 1], steps: 3)
                == [true, true, true, true, true, false, false, true, false])
        #expect(
            sequenceMask(lengths: [2, 3, 1], steps: 3, layout: .batchFirst)
                == [true, true, false, true, true, true, true, false, false])
    }
}
