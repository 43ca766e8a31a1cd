import Foundation
import GRUNetworks
import GRUTestSupport
import Testing

/// Learning-rate schedules against torch.optim.lr_scheduler (Tests/Fixtures/training/
/// schedules.safetensors, made by Tools/Reference/make_training_fixtures.py), epoch by epoch.
@Suite(.tags(.reference))
struct ScheduleReferenceTests {
    static let cases = TrainingFixture.cases(in: "schedules")

    @Test func theCasesArePresent() {
        #expect(
            Self.cases == ["cosine_warmup_default", "cosine_warmup_floor", "plateau_max_abs", "plateau_min", "step_lr"])
    }

    @Test(arguments: cases)
    func matchesPyTorch(_ name: String) throws {
        let fixture = try TrainingFixture("schedules")
        let settings = try fixture.settings(name)
        let expected = try fixture.tensor(name, "rates").scalars.map(Double.init)
        let base = settings.float("base")
        let rates: [Float]
        switch settings["schedule"] as? String {
        case "step":
            let schedule = StepDecaySchedule(
                baseLearningRate: base, stepSize: settings.int("step_size"), decayFactor: settings.float("gamma"))
            rates = expected.indices.map { schedule.learningRate(at: $0) }
        case "cosine":
            let schedule = CosineWarmupSchedule(
                baseLearningRate: base, warmupSteps: settings.int("warmup"), totalSteps: settings.int("total"),
                minimumLearningRate: settings.float("eta_min"),
                warmupStartFactor: settings["start_factor"] == nil ? nil : settings.float("start_factor"))
            rates = expected.indices.map { schedule.learningRate(at: $0) }
        case "plateau":
            var plateau = ReduceOnPlateau(
                learningRate: base, mode: settings["mode"] as? String == "max" ? .maximize : .minimize,
                factor: settings.float("factor", 0.1), patience: settings.int("patience", 10),
                threshold: settings.float("threshold", 1e-4),
                thresholdMode: settings["threshold_mode"] as? String == "abs" ? .absolute : .relative,
                cooldown: settings.int("cooldown"), minimumLearningRate: settings.float("min_lr"))
            rates = try fixture.tensor(name, "metrics").scalars.map { plateau.update(metric: $0) }
        case let other:
            Issue.record("unknown schedule \(String(describing: other))")
            return
        }
        expectApproximatelyEqual(rates, expected, absoluteTolerance: 1e-9, relativeTolerance: 1e-6, "rates")
    }
}

/// Learning-rate schedules at their ends and through JSON.
@Suite(.tags(.unit))
struct ScheduleTests {
    @Test func cosineEndsAtItsFloorAndStaysThere() {
        let schedule = CosineWarmupSchedule(
            baseLearningRate: 1, warmupSteps: 0, totalSteps: 10, minimumLearningRate: 0.1)
        #expect(schedule.learningRate(at: 0) == 1)
        #expect(abs(schedule.learningRate(at: 10) - 0.1) < 1e-7)
        #expect(schedule.learningRate(at: 25) == 0.1)
    }

    @Test func plateauStateRoundTripsThroughJSON() throws {
        var plateau = ReduceOnPlateau(learningRate: 0.1, patience: 1, cooldown: 2)
        for metric: Float in [1, 0.9, 0.95, 0.97] { plateau.update(metric: metric) }
        #expect(plateau.learningRate < 0.1 && plateau.cooldownRemaining == 2)
        var decoded = try JSONDecoder().decode(ReduceOnPlateau.self, from: JSONEncoder().encode(plateau))
        #expect(decoded == plateau)
        #expect(decoded.update(metric: 0.99) == plateau.update(metric: 0.99))
    }
}
