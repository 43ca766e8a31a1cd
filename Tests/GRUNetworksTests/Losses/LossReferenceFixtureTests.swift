import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// Every loss against PyTorch (Tests/Fixtures/training/losses.safetensors, made by
/// Tools/Reference/make_training_fixtures.py): the loss and its gradient within 1e-5 relative.
@Suite(.tags(.reference))
struct LossReferenceTests {
    static let cases = TrainingFixture.cases(in: "losses")

    @Test func theCasesArePresent() {
        #expect(Self.cases.count == 14)
        for prefix in ["ce_", "bce_", "mse_", "mae_"] { #expect(Self.cases.contains { $0.hasPrefix(prefix) }) }
    }

    @Test(arguments: cases)
    func matchesPyTorch(_ name: String) throws {
        let fixture = try TrainingFixture("losses")
        let settings = try fixture.settings(name)
        let input = try fixture.tensor(name, "input"), target = try fixture.tensor(name, "target")
        let mask = fixture.optionalTensor(name, "mask").map { $0.scalars.map { $0 != 0 } }
        if let lengths = settings["lengths"] as? [Int] {
            #expect(sequenceMask(lengths: lengths, steps: input.shape[0]) == mask)
        }
        let result: (loss: Float, gradient: Tensor)
        switch settings["loss"] as? String {
        case "cross_entropy":
            let loss = CrossEntropyLoss(
                classWeights: fixture.optionalTensor(name, "class_weights")?.scalars,
                labelSmoothing: settings.float("label_smoothing"))
            result = try loss(logits: input, targets: target.scalars.map { Int($0) }, mask: mask)
        case "binary_cross_entropy":
            let loss = BinaryCrossEntropyLoss(positiveWeights: fixture.optionalTensor(name, "pos_weight")?.scalars)
            result = try loss(logits: input, targets: target, mask: mask)
        case "mean_squared_error":
            result = try MeanSquaredErrorLoss()(predictions: input, targets: target, mask: mask)
        case "mean_absolute_error":
            result = try MeanAbsoluteErrorLoss()(predictions: input, targets: target, mask: mask)
        case let other:
            Issue.record("unknown loss \(String(describing: other))")
            return
        }
        expectApproximatelyEqual(
            [result.loss], try fixture.tensor(name, "loss").scalars.map(Double.init), absoluteTolerance: 1e-7,
            relativeTolerance: 1e-5, "loss")
        expectApproximatelyEqual(
            result.gradient, try fixture.tensor(name, "grad"), absoluteTolerance: 1e-7, relativeTolerance: 1e-5,
            "gradient")
    }
}
