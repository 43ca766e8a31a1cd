import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// SGD, Adam, AdamW and RMSprop against torch.optim (Tests/Fixtures/training/optimizers.safetensors,
/// made by Tools/Reference/make_training_fixtures.py): the values after every step within 1e-5
/// relative, and the state buffers after the last step.
@Suite(.tags(.reference))
struct OptimizerReferenceTests {
    static let cases = TrainingFixture.cases(in: "optimizers")

    @Test func theCasesArePresent() {
        #expect(Self.cases.count == 14)
        for kind in ["sgd_", "adam_", "adamw_", "rmsprop_"] {
            #expect(Self.cases.contains { $0.hasPrefix(kind) && $0.hasSuffix("high_lr") }, "\(kind) at lr 1.0")
        }
    }

    /// The optimizer a case describes, with PyTorch's argument names.
    static func optimizer(_ settings: [String: Any]) throws -> any Optimizer {
        let lr = settings.float("lr")
        let betas = (settings["betas"] as? [Double]) ?? [0.9, 0.999]
        switch settings["optimizer"] as? String {
        case "sgd":
            return SGD(
                learningRate: lr, momentum: settings.float("momentum"), dampening: settings.float("dampening"),
                isNesterov: settings.bool("nesterov"), weightDecay: settings.float("weight_decay"))
        case "adam":
            return Adam(
                learningRate: lr, beta1: betas[0], beta2: betas[1], epsilon: settings.float("eps", 1e-8),
                weightDecay: settings.float("weight_decay"))
        case "adamw":
            return Adam.adamW(
                learningRate: lr, beta1: betas[0], beta2: betas[1], epsilon: settings.float("eps", 1e-8),
                weightDecay: settings.float("weight_decay", 0.01))
        case "rmsprop":
            return RMSprop(
                learningRate: lr, alpha: (settings["alpha"] as? Double) ?? 0.99, epsilon: settings.float("eps", 1e-8),
                momentum: settings.float("momentum"), isCentered: settings.bool("centered"),
                weightDecay: settings.float("weight_decay"))
        case let other:
            throw GRUInputError(
                .setting("the fixture's optimizer"), found: String(describing: other),
                expected: "sgd, adam, adamw or rmsprop")
        }
    }

    @Test(arguments: cases)
    func matchesPyTorch(_ name: String) throws {
        let fixture = try TrainingFixture("optimizers")
        let settings = try fixture.settings(name)
        var optimizer = try Self.optimizer(settings)
        var values = try fixture.tensor(name, "initial").scalars
        let gradients = try fixture.tensor(name, "gradients"), expected = try fixture.tensor(name, "values")
        let count = values.count, steps = gradients.shape[0]
        for step in 0..<steps {
            optimizer.step(values: &values, gradients: Array(gradients.scalars[(step * count)..<((step + 1) * count)]))
            expectApproximatelyEqual(
                values, expected.scalars[(step * count)..<((step + 1) * count)].map(Double.init),
                absoluteTolerance: 1e-7, relativeTolerance: 1e-5, "values after step \(step + 1)")
        }
        let state = optimizer.state
        #expect(state.stepCount == settings.int("step"))
        let expectedNames = fixture.file.names.filter { $0.hasPrefix(name + ".state.") }
        #expect(Set(state.buffers.keys) == Set(expectedNames.map { String($0.dropFirst(name.count + 7)) }))
        for fullName in expectedNames {
            let buffer = String(fullName.dropFirst(name.count + 7))
            expectApproximatelyEqual(
                state.buffers[buffer] ?? [], try fixture.file.require(fullName).scalars.map(Double.init),
                absoluteTolerance: 1e-7, relativeTolerance: 1e-5, "state \(buffer)")
        }
    }
}
