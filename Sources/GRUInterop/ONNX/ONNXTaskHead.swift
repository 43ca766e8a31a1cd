import GRUFormats
import GRUTraining

/// The Linear head and what `gru predict` makes of its output, as standard ONNX operators
/// (opset 14).
///
/// Legend: B batch, T steps, F = D·H the head's input, C its outputs. The head keeps PyTorch's
/// layout: `head.weight` (C, F) and `head.bias` (C), y = x W^T + b. Then, as `PredictionJob`:
/// classify, tag and language-model take the softmax over C (the class, tag or next-token
/// probabilities); forecast maps the outputs back to the data's units, y * std + mean, with
/// the target normalization repeated for each of the horizon's steps (output k is step
/// k / targets of target k % targets).
extension ONNXGraphBuilder {
    /// The head on one vector per sequence: (B, F) -> (B, C), Gemm with transB.
    mutating func pooledHead(_ pooled: String) -> String {
        add("Gemm", [pooled, "head.weight", "head.bias"], output: "head_output", attributes: ["transB": .int(1)])
    }

    /// The head on every step: (B, T, F) -> (B, T, C), MatMul by W^T then Add.
    mutating func stepHead(_ steps: String) -> String {
        let transposed = add(
            "Transpose", ["head.weight"], output: "head_weight_T", attributes: ["perm": .ints([1, 0])])
        let product = add("MatMul", [steps, transposed], output: "head_product")
        return add("Add", [product, "head.bias"], output: "head_output")
    }

    /// What `gru predict` reports from the head's output, named `output`.
    @discardableResult
    mutating func reportedOutput(_ headOutput: String, schema: DatasetSchema) -> String {
        switch schema.task {
        case .classify, .tag, .languageModel, .seq2seq:  // no export makes a seq2seq graph
            return add("Softmax", [headOutput], output: "output", attributes: ["axis": .int(-1)])
        case .forecast:
            guard let normalization = schema.targetNormalization else {
                return add("Identity", [headOutput], output: "output")
            }
            let horizon = schema.horizon ?? 1
            let deviations = constant(
                "target_standard_deviations",
                floats: Array([[Float]](repeating: normalization.standardDeviations, count: horizon).joined()))
            let means = constant(
                "target_means", floats: Array([[Float]](repeating: normalization.means, count: horizon).joined()))
            let scaled = add("Mul", [headOutput, deviations], output: "scaled_forecast")
            return add("Add", [scaled, means], output: "output")
        }
    }
}
