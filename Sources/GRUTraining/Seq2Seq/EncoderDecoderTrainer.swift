import Foundation
import GRUNetworks
import GRUTensor

/// How an `EncoderDecoderTrainer` trains: epochs, batch size, Adam's learning rate, clipping
/// by global norm, and the seed of the initialization and the shuffles.
public struct EncoderDecoderTrainingOptions: Codable, Equatable, Sendable {
    /// The epochs of the whole run.
    public var epochs: Int
    /// Pairs a step.
    public var batchSize: Int
    /// Adam's learning rate.
    public var learningRate: Float
    /// The largest global gradient norm; nil leaves the gradients as they are.
    public var clipNorm: Float?
    /// Seeds the initialization, the shuffles and the validation split.
    public var seed: UInt64

    /// Options of the given values.
    public init(
        epochs: Int = 10, batchSize: Int = 32, learningRate: Float = 1e-3, clipNorm: Float? = nil, seed: UInt64 = 0
    ) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.clipNorm = clipNorm
        self.seed = seed
    }
}

/// Trains an `EncoderDecoderModel` with teacher forcing: each epoch shuffles the examples
/// (seeded by the epoch, so a resumed run shuffles as the whole run would), cuts them into
/// batches, and takes one Adam step per batch on the masked mean cross-entropy, the gradients
/// clipped by global norm when asked.
public final class EncoderDecoderTrainer {
    /// The model as trained so far.
    public private(set) var model: EncoderDecoderModel
    private var optimizer: Adam
    private let examples: [TranslationExample]
    private let batchSize: Int
    private let clipNorm: Float?
    private let seed: UInt64
    /// Epochs completed.
    public private(set) var epochs = 0

    /// A trainer of `model` on `examples`.
    public init(
        model: EncoderDecoderModel, examples: [TranslationExample], batchSize: Int, learningRate: Float,
        clipNorm: Float? = nil, seed: UInt64
    ) {
        precondition(!examples.isEmpty && batchSize >= 1, "examples and a positive batch size")
        self.model = model
        self.examples = examples
        self.batchSize = batchSize
        self.clipNorm = clipNorm
        self.seed = seed
        optimizer = Adam(learningRate: learningRate)
    }

    /// Adam's step count and moments, for a checkpoint.
    public var optimizerState: OptimizerState { optimizer.state }

    /// Continues a run from its checkpoint: `epochs` done, Adam's saved state.
    public func resume(epochs completed: Int, optimizer state: OptimizerState) throws {
        try optimizer.restore(state, parameterCount: model.parameters.count)
        epochs = completed
    }

    /// One epoch; returns its mean loss over the batches.
    @discardableResult
    public func runEpoch() throws -> Double {
        var generator = SeededGenerator(seed: seed &+ UInt64(epochs))
        var order = Array(examples.indices)
        order.shuffle(using: &generator)
        var total = 0.0, batches = 0
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let indices = order[start..<min(start + batchSize, order.count)]
            let result = try model.teacherForced(TranslationBatch(examples: indices.map { examples[$0] }))
            var gradients = result.gradients!
            if let clipNorm { _ = clipGradientsByGlobalNorm(&gradients, maximumNorm: clipNorm) }
            optimizer.step(values: &model.parameters, gradients: gradients)
            total += Double(result.loss)
            batches += 1
        }
        epochs += 1
        return total / Double(batches)
    }
}

/// How well an encoder-decoder transduces a set of pairs: the teacher-forced token accuracy,
/// and, on decoded outputs, the share of outputs equal to their target and the edit-distance
/// error rate (edits over target tokens, as a phoneme or word error rate).
public struct TransductionEvaluation: Equatable, Sendable {
    /// The share of target tokens (the end token included) predicted right when fed the true
    /// previous tokens.
    public let tokenAccuracy: Double
    /// The share of decoded outputs that equal their target exactly.
    public let sequenceAccuracy: Double
    /// Levenshtein distance of the decoded outputs from their targets over the targets' tokens
    /// (end tokens excluded).
    public let errorRate: Double

    /// The evaluation of `model` on `examples`, decoded with `options`, `batchSize` at a time.
    public init(
        model: EncoderDecoderModel, examples: [TranslationExample], options: DecodingOptions, batchSize: Int = 64
    ) throws {
        var correctTokens = 0, tokens = 0, exact = 0, edits = 0, targetTokens = 0
        let vocabulary = model.configuration.targetVocabularySize
        for start in stride(from: 0, to: examples.count, by: batchSize) {
            let part = Array(examples[start..<min(start + batchSize, examples.count)])
            let batch = TranslationBatch(examples: part)
            let logits = try model.teacherForced(batch, computesGradients: false).logits.scalars
            for (b, example) in part.enumerated() {
                for t in example.targetOutput.indices {
                    let row = (t * part.count + b) * vocabulary
                    let predicted = (0..<vocabulary).max { logits[row + $0] < logits[row + $1] }!
                    correctTokens += predicted == example.targetOutput[t] ? 1 : 0
                    tokens += 1
                }
            }
            let decoded = try model.decode(source: batch.source, sourceLengths: batch.sourceLengths, options: options)
            for (example, output) in zip(part, decoded) {
                let target = Array(example.targetOutput.dropLast())
                let predicted = output.tokens.last == options.endToken ? Array(output.tokens.dropLast()) : output.tokens
                exact += predicted == target ? 1 : 0
                edits += editDistance(predicted, target)
                targetTokens += target.count
            }
        }
        tokenAccuracy = Double(correctTokens) / Double(tokens)
        sequenceAccuracy = Double(exact) / Double(examples.count)
        errorRate = Double(edits) / Double(max(targetTokens, 1))
    }
}

/// The Levenshtein distance of two token sequences: the fewest insertions, deletions and
/// substitutions that turn one into the other.
public func editDistance(_ a: [Int], _ b: [Int]) -> Int {
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)  // distances from a[..<i-1] to each prefix of b
    for i in 1...a.count {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
