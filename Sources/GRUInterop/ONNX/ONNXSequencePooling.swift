import GRUFormats
import GRUNetworks

/// `SequencePooling` as standard ONNX operators (opset 14), over the GRU stack's values.
///
/// Legend: T steps, B batch, H hidden size, D directions. `lastState` reads the last layer's
/// Y_h (D, B, H), which with `sequence_lens` is each direction's state where it ends (the
/// forward one at step length - 1, the reverse one at step 0), as GRUKit's `lastState`.
/// `mean` is the masked mean of the output (T, B, D·H) over the valid steps: steps t with
/// t < length, counted by Range and Less, so padded steps count for nothing whatever the GRU
/// node writes there; without lengths every step is valid and it is ReduceMean.
extension ONNXGraphBuilder {
    /// (D, B, H) -> (B, D·H), forward features first.
    mutating func lastStatePooling(finalState: String) -> String {
        let batchFirst = add(
            "Transpose", [finalState], output: "final_state_BDH", attributes: ["perm": .ints([1, 0, 2])])
        let shape = constant("pooled_shape", int64s: [0, -1])
        return add("Reshape", [batchFirst, shape], output: "pooled")
    }

    /// (T, B, F) -> (B, F): the mean over steps t < lengths[b], or over all T steps when
    /// `lengths` (B) int64 is nil.
    mutating func meanPooling(sequence: String, lengths: String?) -> String {
        guard let lengths else {
            return add(
                "ReduceMean", [sequence], output: "pooled", attributes: ["axes": .ints([0]), "keepdims": .int(0)])
        }
        let shape = add("Shape", [sequence], output: "gru_output_shape")
        let steps = add("Gather", [shape, constant("time_axis", int64s: [0], shape: [])], output: "steps")
        let zero = constant("zero", int64s: [0], shape: [])
        let one = constant("one", int64s: [1], shape: [])
        let stepIndices = add("Range", [zero, steps, one], output: "step_indices")  // (T)
        let column = add("Unsqueeze", [stepIndices, constant("axes_1", int64s: [1])], output: "step_column")  // (T, 1)
        let valid = add("Less", [column, lengths], output: "valid_steps")  // (T, B) bool
        let mask = add("Cast", [valid], output: "step_mask", attributes: ["to": .int(1)])  // FLOAT
        let mask3 = add("Unsqueeze", [mask, constant("axes_2", int64s: [2])], output: "step_mask_TB1")
        let masked = add("Mul", [sequence, mask3], output: "masked_gru_output")
        let sum = add(
            "ReduceSum", [masked, constant("axes_0", int64s: [0])], output: "summed_gru_output",
            attributes: ["keepdims": .int(0)])  // (B, F)
        let counts = add("Cast", [lengths], output: "float_lengths", attributes: ["to": .int(1)])
        let countColumn = add("Unsqueeze", [counts, "axes_1"], output: "float_lengths_B1")
        return add("Div", [sum, countColumn], output: "pooled")
    }

    /// The pooling of `mode`; `finalState` is the last layer's Y_h, `sequence` its output.
    mutating func pooling(
        _ mode: SequencePooling.Mode, sequence: String, finalState: String, lengths: String?
    ) -> String {
        switch mode {
        case .lastState: lastStatePooling(finalState: finalState)
        case .mean: meanPooling(sequence: sequence, lengths: lengths)
        }
    }
}
