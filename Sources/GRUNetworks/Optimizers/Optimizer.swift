/// A first-order optimizer over a model's flat parameter buffer: one update per step from the
/// gradients in the parallel buffer, with all its state in flat arrays.
///
/// Buffers are created at the first step, sized like the parameters. `state` and
/// `restore(_:parameterCount:)` move them, with the step count, to and from a checkpoint.
public protocol Optimizer: Sendable {
    /// The learning rate of the next step; schedules set it between steps.
    var learningRate: Float { get set }
    /// The number of steps taken (PyTorch's `step` state).
    var stepCount: Int { get }
    /// Updates `values` in place from `gradients` (same count), one pass over the buffers.
    mutating func step(values: inout [Float], gradients: [Float])
    /// The step count and every state buffer, under PyTorch's state names.
    var state: OptimizerState { get }
    /// Replaces the step count and state buffers with a saved state.
    ///
    /// - Throws: `GRUInputError` when a buffer this optimizer needs is missing, an unknown one
    ///   is present, or one does not hold `parameterCount` values.
    mutating func restore(_ state: OptimizerState, parameterCount: Int) throws
}

/// An optimizer's saved state: its step count and its buffers, each as long as the parameters.
public struct OptimizerState: Equatable, Codable, Sendable {
    /// The number of steps taken.
    public var stepCount: Int
    /// The state buffers by PyTorch name (`momentum_buffer`, `exp_avg`, `exp_avg_sq`,
    /// `square_avg`, `grad_avg`); empty before the first step.
    public var buffers: [String: [Float]]
    /// The most steps a saved state may have taken.
    public static let largestStepCount = 1 << 53

    /// A state with the given step count and buffers.
    public init(stepCount: Int, buffers: [String: [Float]]) {
        self.stepCount = stepCount
        self.buffers = buffers
    }

    /// The buffers named in `names`, in that order, after checking that exactly those are
    /// present (or none, before the first step) and that each holds `parameterCount` values.
    func buffers(named names: [String], parameterCount: Int) throws -> [[Float]] {
        // Adam's bias correction counts steps in a Double, exact up to 2^53; no run takes more.
        guard (0...Self.largestStepCount).contains(stepCount) else {
            throw GRUInputError(
                .tensor("optimizer state"), found: "step count \(stepCount)",
                expected: "a step count in 0...\(Self.largestStepCount)")
        }
        if buffers.isEmpty { return names.map { _ in [] } }
        guard Set(buffers.keys) == Set(names) else {
            throw GRUInputError(
                .tensor("optimizer state"), found: "buffers \(buffers.keys.sorted().joined(separator: ", "))",
                expected: names.isEmpty ? "no buffers" : "buffers \(names.joined(separator: ", "))")
        }
        return try names.map { name in
            let buffer = buffers[name]!
            guard buffer.count == parameterCount else {
                throw GRUInputError(
                    .tensor("optimizer state buffer '\(name)'"), found: "\(buffer.count) values",
                    expected: "\(parameterCount) values, one per parameter")
            }
            return buffer
        }
    }
}

/// Checks that an optimizer step gets as many gradients as values.
func checkStepSizes(values: [Float], gradients: [Float]) {
    precondition(
        values.count == gradients.count,
        "optimizer step: \(values.count) values but \(gradients.count) gradients")
}
