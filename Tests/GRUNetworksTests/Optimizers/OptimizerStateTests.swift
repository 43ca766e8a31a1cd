import Foundation
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// Optimizer state: a run stopped, saved and restored into a fresh optimizer reaches the same
/// values bit for bit as an uninterrupted one; bad states are rejected; Codable round trips.
@Suite(.tags(.unit))
struct OptimizerStateTests {
    static let optimizers: [(name: String, make: @Sendable () -> any Optimizer)] = [
        ("SGD", { SGD(learningRate: 0.1) }),
        ("SGD momentum", { SGD(learningRate: 0.1, momentum: 0.9, isNesterov: true) }),
        ("Adam", { Adam(learningRate: 0.01, weightDecay: 0.1) }),
        ("AdamW", { Adam.adamW(learningRate: 0.01) }),
        ("RMSprop", { RMSprop(momentum: 0.5, isCentered: true) }),
    ]

    static let names = optimizers.map(\.name)

    static func gradients(_ step: Int) -> [Float] {
        var random = RandomData(seed: UInt64(100 + step))
        return random.tensor([8]).scalars
    }

    @Test(arguments: names)
    func resumingFromSavedStateMatchesAnUninterruptedRun(_ name: String) throws {
        let make = try #require(Self.optimizers.first { $0.name == name }).make
        var random = RandomData(seed: 1)
        let initial = random.tensor([8]).scalars
        var straight = make(), straightValues = initial
        for step in 0..<6 { straight.step(values: &straightValues, gradients: Self.gradients(step)) }

        var first = make(), values = initial
        for step in 0..<3 { first.step(values: &values, gradients: Self.gradients(step)) }
        let saved = try JSONDecoder().decode(OptimizerState.self, from: JSONEncoder().encode(first.state))
        var resumed = make()
        try resumed.restore(saved, parameterCount: 8)
        #expect(resumed.stepCount == 3)
        for step in 3..<6 { resumed.step(values: &values, gradients: Self.gradients(step)) }
        #expect(values == straightValues)
        #expect(resumed.state == straight.state)
    }

    @Test func restoreRejectsStateThatDoesNotFit() {
        var adam = Adam()
        let good = ["exp_avg": [Float](repeating: 0, count: 4), "exp_avg_sq": [Float](repeating: 0, count: 4)]
        expectInputError(message: "optimizer state: buffers exp_avg; expected buffers exp_avg, exp_avg_sq") {
            try adam.restore(OptimizerState(stepCount: 2, buffers: ["exp_avg": good["exp_avg"]!]), parameterCount: 4)
        }
        expectInputError(message: "optimizer state buffer 'exp_avg': 4 values; expected 5 values, one per parameter") {
            try adam.restore(OptimizerState(stepCount: 2, buffers: good), parameterCount: 5)
        }
        var sgd = SGD(learningRate: 0.1)
        expectInputError(message: "optimizer state: buffers momentum_buffer; expected no buffers") {
            try sgd.restore(OptimizerState(stepCount: 1, buffers: ["momentum_buffer": [0]]), parameterCount: 1)
        }
        #expect(throws: Never.self) { try adam.restore(OptimizerState(stepCount: 0, buffers: [:]), parameterCount: 4) }
    }

    @Test func optimizersRoundTripThroughJSON() throws {
        var rmsprop = RMSprop(learningRate: 0.02, momentum: 0.3, isCentered: true)
        var values: [Float] = [1, 2, 3]
        rmsprop.step(values: &values, gradients: [0.5, -1, 2])
        let decoded = try JSONDecoder().decode(RMSprop.self, from: JSONEncoder().encode(rmsprop))
        #expect(decoded == rmsprop)
        let adamW = Adam.adamW()
        #expect(try JSONDecoder().decode(Adam.self, from: JSONEncoder().encode(adamW)) == adamW)
        #expect(adamW.weightDecay == 0.01 && adamW.weightDecayStyle == .decoupled)
    }

    @Test func theLearningRateCanChangeBetweenSteps() {
        var sgd: any Optimizer = SGD(learningRate: 1)
        var values: [Float] = [0]
        sgd.step(values: &values, gradients: [1])
        sgd.learningRate = 0.5
        sgd.step(values: &values, gradients: [1])
        #expect(values == [-1.5])
    }
}
