import GRUNetworks
import GRUTensor

/// How far back along a sequence the loss reaches: the norm of dL/dh_t, the gradient of a
/// batch's loss with respect to the hidden state after step t, for every t, which shows a
/// vanishing (or exploding) gradient as it is usually drawn, against the distance T - 1 - t
/// from h_t to the sequence's last step.
///
/// dL/dh_t is measured exactly, not estimated: the outputs at steps up to t do not depend on
/// h_t, so it is the gradient with respect to the initial state of the model run on steps
/// t + 1 ..< T from h_t, given the same output gradients the whole sequence's loss has there.
/// That costs one run per step (T^2 / 2 steps in all), which is fine for the few sequences a
/// plot needs.
///
/// Legend: T steps, B sequences, L layers, H hidden size.
public enum StateGradientNorms {
    /// ‖dL/dh_t‖ for one batch.
    public struct Measurement: Sendable, Equatable {
        /// The batch's mean loss.
        public let loss: Double
        /// Entry d - 1 for distance d = 1 ... T - 1: the mean over the batch of each sequence's
        /// 2-norm of dL/dh_{T-1-d} over all layers and units of h (an LSTM's c is not included).
        public let norms: [Double]
    }

    /// Measures ‖dL/dh_t‖ of `model` on `batch`, without dropout.
    ///
    /// - Throws: `GRUInputError` for a bidirectional model (its backward direction reads h_t's
    ///   future), for sequences of unequal lengths or shorter than two steps, or for a batch
    ///   without targets.
    public static func measure(_ model: SequenceModel, on batch: SequenceBatch, objective: TaskObjective) throws
        -> Measurement
    {
        guard !model.configuration.bidirectional else {
            throw GRUInputError(
                .setting("the model"), found: "a bidirectional recurrent stack",
                expected: "a unidirectional one: the backward direction's state at t depends on later steps")
        }
        let steps = batch.steps
        guard batch.lengths.allSatisfy({ $0 == steps }), steps >= 2 else {
            throw GRUInputError(
                .tensor("the data"), found: "sequence lengths \(Set(batch.lengths).sorted())",
                expected: "sequences of one length of at least 2 steps, so that every distance is measured on all")
        }
        guard batch.targets != .none else {
            throw GRUInputError(.tensor("the data"), found: "no targets", expected: "targets, which the loss needs")
        }
        let whole = try model.forward(batch)
        let (loss, outputGradient) = try objective.loss(output: whole.output, batch: batch)

        // h_t for every t, each the state after one more single-step run.
        var states: [RecurrentState] = []
        var state: RecurrentState?
        for step in 0..<(steps - 1) {
            state = try model.forward(batch.cut(toSteps: step..<(step + 1)), initialState: state).finalState
            states.append(state!)
        }

        var gradients = [Float](repeating: 0, count: model.parameters.count)
        var norms = [Double](repeating: 0, count: steps - 1)
        let rowsPerStep = batch.batchSize * outputGradient.shape[1]
        for step in 0..<(steps - 1) {
            let later = batch.cut(toSteps: (step + 1)..<steps)
            let pass = try model.forward(later, initialState: states[step])
            let laterGradient =
                model.configuration.predictsEveryStep
                ? Tensor(
                    shape: [(steps - step - 1) * batch.batchSize, outputGradient.shape[1]],
                    scalars: Array(outputGradient.scalars[((step + 1) * rowsPerStep)...]))
                : outputGradient
            let stateGradient = try model.backward(pass, outputGradient: laterGradient, into: &gradients)
            norms[steps - 2 - step] = meanSequenceNorm(stateGradient.hidden)
        }
        return Measurement(loss: Double(loss), norms: norms)
    }

    /// The mean over B of each sequence's 2-norm over (L*D, H) of a (L*D, B, H) state.
    static func meanSequenceNorm(_ state: Tensor) -> Double {
        let (states, batch, hidden) = (state.shape[0], state.shape[1], state.shape[2])
        var total = 0.0
        for b in 0..<batch {
            var squares = 0.0
            for s in 0..<states {
                for h in 0..<hidden {
                    let value = Double(state.scalars[(s * batch + b) * hidden + h])
                    squares += value * value
                }
            }
            total += squares.squareRoot()
        }
        return total / Double(batch)
    }
}

extension SequenceBatch {
    /// Steps `range` of every sequence, as a batch of its own: inputs, per-step targets and
    /// lengths cut to the range; per-sequence targets stay as they are. Sequences must all be
    /// at least `range.upperBound` steps long.
    func cut(toSteps range: Range<Int>) -> SequenceBatch {
        precondition(lengths.allSatisfy { $0 >= range.upperBound }, "a step range past a sequence's end")
        let batch = batchSize
        var cut = self
        cut.lengths = [Int](repeating: range.count, count: batch)
        switch inputs {
        case .tokens(let ids):  // (T, B)
            cut.inputs = .tokens(Array(ids[(range.lowerBound * batch)..<(range.upperBound * batch)]))
        case .features(let features):  // (T, B, F)
            let width = batch * features.shape[2]
            cut.inputs = .features(
                Tensor(
                    shape: [range.count, batch, features.shape[2]],
                    scalars: Array(features.scalars[(range.lowerBound * width)..<(range.upperBound * width)])))
        }
        if case .stepClasses(let classes) = targets {  // (T, B)
            cut.targets = .stepClasses(Array(classes[(range.lowerBound * batch)..<(range.upperBound * batch)]))
        }
        return cut
    }
}
