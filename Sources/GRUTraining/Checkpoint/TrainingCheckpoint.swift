import GRUNetworks

/// A training run after a whole epoch: what `Trainer` reports for a checkpoint writer to keep
/// (see `CheckpointWriter`), and what `--resume` continues from.
public struct TrainingCheckpoint {
    /// The model after the epoch.
    public var model: SequenceModel
    /// The best epoch's parameters, kept under early stopping; nil otherwise.
    public var bestParameters: [Float]?
    /// The optimizer's step count and buffers.
    public var optimizer: OptimizerState
    /// Epochs and steps done, the schedule's state and the history.
    public var state: TrainingState

    /// A checkpoint of the given parts.
    public init(model: SequenceModel, bestParameters: [Float]?, optimizer: OptimizerState, state: TrainingState) {
        self.model = model
        self.bestParameters = bestParameters
        self.optimizer = optimizer
        self.state = state
    }

    /// The weights users load: the best epoch's under early stopping, as the run ends with
    /// them, else the last epoch's.
    public var weights: SequenceModel {
        var weights = model
        if let bestParameters { weights.parameters = bestParameters }
        return weights
    }
}
