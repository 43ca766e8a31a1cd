import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUTraining

/// Whole-model training steps against PyTorch: the fixtures in Tests/Fixtures/training-steps,
/// made by Tools/Reference/make_training_step_fixtures.py, hold a small model's initial
/// weights, two fixed batches and the loss of every step and the weights after the last one
/// when PyTorch (float64) trains it with SGD or Adam, no dropout and no shuffling. Reset-after
/// cases use `nn.GRU`; the reset-before cases (PyTorch has none) a hand-written GRU in the
/// script, checked there against `nn.GRU` for its reset-after twin.
///
/// Each step here is the one `Trainer.runEpoch` takes: forward with a dropout seed, the task
/// objective's loss and output gradient, zeroed gradients, backward, clipping by global norm,
/// the optimizer built by `TrainingOptions.makeOptimizer()`.
///
/// Tolerances: each loss within 1e-4 of itself; each weight element within 1e-4 of its own
/// magnitude, or 1e-6 absolute where it is near zero (the fixture script checks that float32
/// PyTorch stays within 2e-5 of float64, so this leaves room for float32 rounding only).
@Suite(.tags(.reference))
struct TrainingStepReferenceTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/training-steps")

    static let caseNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") }.map { String($0.dropLast(".safetensors".count)) }.sorted()
    }()

    static let relativeTolerance = 1e-4

    @Test func everyCaseIsPresent() {
        // Reset-after: classify x3 (features SGD, tokens Adam, high-rate SGD), tag x2, forecast,
        // language model. Reset-before: classify features SGD, tag tokens Adam.
        #expect(Self.caseNames.count == 9)
        let configurations = Self.caseNames.compactMap { try? TrainingStepFixture($0).configuration() }
        // Every task of a SequenceModel (seq2seq is the encoder-decoder's, with its own fixtures).
        #expect(Set(configurations.map(\.task)) == Set(SequenceTask.allCases).subtracting([.seq2seq]))
        #expect(configurations.filter { $0.variant == .resetBefore }.count == 2)
        let resetBeforeOptimizers = Self.caseNames.filter { $0.contains("reset_before") }
            .compactMap { try? TrainingStepFixture($0).trainingOptions().optimizer }
        #expect(Set(resetBeforeOptimizers) == [.sgd, .adam])
    }

    @Test(arguments: caseNames)
    func stepsMatchPyTorch(_ name: String) throws {
        let fixture = try TrainingStepFixture(name)
        let configuration = try fixture.configuration()
        let options = try fixture.trainingOptions()
        var model = try SequenceModel(configuration: configuration, namedTensors: fixture.weights("initial"))
        let batches = try fixture.batches()
        let objective = TaskObjective(
            task: configuration.task, crossEntropy: CrossEntropyLoss(labelSmoothing: options.labelSmoothing),
            regressionLoss: options.loss)
        var optimizer = options.makeOptimizer()
        let expectedLosses = try fixture.file.require("losses").scalars
        let expectedNorms = try fixture.file.require("gradient_norms").scalars
        let order = try fixture.batchOrder()
        try #require(order.count == expectedLosses.count)

        var gradients = [Float](repeating: 0, count: model.parameters.count)
        var losses: [Float] = [], norms: [Float] = []
        for (step, batchIndex) in order.enumerated() {
            let batch = batches[batchIndex]
            optimizer.learningRate = options.learningRate
            let pass = try model.forward(batch, dropoutSeed: UInt64(step))
            let (loss, outputGradient) = try objective.loss(output: pass.output, batch: batch)
            for i in gradients.indices { gradients[i] = 0 }
            try model.backward(pass, outputGradient: outputGradient, into: &gradients)
            if let clipNorm = options.clipNorm {
                norms.append(clipGradientsByGlobalNorm(&gradients, maximumNorm: clipNorm))
            } else {
                norms.append(globalGradientNorm(of: gradients))
            }
            optimizer.step(values: &model.parameters, gradients: gradients)
            losses.append(loss)
        }

        for step in losses.indices {
            expectApproximatelyEqual(
                losses[step], expectedLosses[step], absoluteTolerance: 0, relativeTolerance: Self.relativeTolerance,
                "\(name) loss at step \(step + 1)")
            expectApproximatelyEqual(
                norms[step], expectedNorms[step], absoluteTolerance: 0, relativeTolerance: Self.relativeTolerance,
                "\(name) gradient norm at step \(step + 1)")
        }
        let expected = try fixture.weights("final")
        #expect(model.namedTensors.count == expected.count)
        for (tensorName, tensor) in model.namedTensors {
            let reference = try #require(expected[tensorName], "\(name): no final \(tensorName)")
            #expect(tensor.shape == reference.shape, "\(name) \(tensorName)")
            expectApproximatelyEqual(
                tensor.scalars, reference.scalars, absoluteTolerance: 1e-6, relativeTolerance: Self.relativeTolerance,
                "\(name) \(tensorName)")
        }
    }

    /// The batches rebuilt from examples are the fixture's padded, time-major arrays.
    @Test(arguments: caseNames)
    func batchesRebuildThePaddedArrays(_ name: String) throws {
        let fixture = try TrainingStepFixture(name)
        for (index, batch) in try fixture.batches().enumerated() {
            let inputs = try fixture.file.require("batch\(index).inputs")
            switch batch.inputs {
            case .tokens(let ids): #expect(ids.map(Float.init) == inputs.scalars, "\(name) batch \(index)")
            case .features(let features): #expect(features == inputs, "\(name) batch \(index)")
            }
            if case .stepClasses(let classes) = batch.targets {
                #expect(classes.map(Float.init) == (try fixture.file.require("batch\(index).targets")).scalars)
            }
        }
    }
}

/// One file of Tests/Fixtures/training-steps: initial and final weights under `initial.` and
/// `final.`, batches under `batch<k>.`, and the model, optimizer and training settings as JSON
/// in the metadata.
struct TrainingStepFixture {
    let file: SafetensorsFile

    init(_ name: String) throws {
        file = try SafetensorsFile.read(
            contentsOf: TrainingStepReferenceTests.directory.appendingPathComponent(name + ".safetensors"))
    }

    func settings(_ key: String) throws -> [String: Any] {
        let json = try #require(file.metadata[key], "no '\(key)' metadata")
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    func configuration() throws -> ModelConfiguration {
        let model = try settings("model")
        func int(_ key: String) -> Int? { (model[key] as? NSNumber)?.intValue }
        let task = try #require(SequenceTask(rawValue: model["task"] as? String ?? ""))
        let variants: [String: GRUVariant] = ["reset_after": .resetAfter, "reset_before": .resetBefore]
        let variant = try #require(variants[model["variant"] as? String ?? ""], "variant \(model["variant"] ?? "none")")
        return ModelConfiguration(
            task: task, vocabularySize: int("vocabulary_size"), embeddingSize: int("embedding_size"),
            featureCount: int("feature_count"), hiddenSize: try #require(int("hidden_size")),
            layers: try #require(int("layer_count")), bidirectional: model["bidirectional"] as? Bool ?? false,
            variant: variant, outputSize: try #require(int("output_size")))
    }

    /// The optimizer settings as the trainer's options (PyTorch's defaults where absent).
    func trainingOptions() throws -> TrainingOptions {
        let optimizer = try settings("optimizer"), training = try settings("training")
        func float(_ values: [String: Any], _ key: String) -> Float? { (values[key] as? NSNumber)?.floatValue }
        var options = TrainingOptions()
        options.optimizer = try #require(TrainingOptions.OptimizerKind(rawValue: optimizer["kind"] as? String ?? ""))
        options.learningRate = try #require(float(optimizer, "lr"))
        options.momentum = float(optimizer, "momentum") ?? 0
        options.nesterov = optimizer["nesterov"] as? Bool ?? false
        options.weightDecay = float(optimizer, "weight_decay") ?? 0
        options.clipNorm = float(training, "clip_norm")
        options.labelSmoothing = float(training, "label_smoothing") ?? 0
        #expect(training["regression_loss"] as? String == "mse")
        options.loss = .mse
        try options.validate()
        return options
    }

    func batchOrder() throws -> [Int] {
        try #require(try settings("training")["batch_order"] as? [Int])
    }

    /// The tensors under `prefix.`, without it: PyTorch parameter names.
    func weights(_ prefix: String) throws -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for name in file.names where name.hasPrefix(prefix + ".") {
            tensors[String(name.dropFirst(prefix.count + 1))] = try file.require(name)
        }
        return tensors
    }

    /// The batches, rebuilt from one example per sequence as the data loaders would give them.
    func batches() throws -> [SequenceBatch] {
        let count = try #require(Int(file.metadata["batch_count"] ?? ""))
        let task = try configuration().task
        return try (0..<count).map { index in
            let inputs = try file.require("batch\(index).inputs")
            let lengths = try file.require("batch\(index).lengths").scalars.map { Int($0) }
            let targets = try file.require("batch\(index).targets")
            let batchSize = lengths.count
            let examples = lengths.enumerated().map { column, length -> SequenceExample in
                let input: SequenceInput
                if inputs.rank == 3 {
                    let featureCount = inputs.shape[2]
                    let rows = (0..<length).flatMap { step in
                        let start = (step * batchSize + column) * featureCount
                        return inputs.scalars[start..<(start + featureCount)]
                    }
                    input = .features(rows, featureCount: featureCount)
                } else {
                    input = .tokens((0..<length).map { Int(inputs.scalars[$0 * batchSize + column]) })
                }
                let target: SequenceTarget
                switch task {
                case .classify:
                    target = .classIndex(Int(targets.scalars[column]))
                case .tag, .languageModel:
                    target = .stepClasses((0..<length).map { Int(targets.scalars[$0 * batchSize + column]) })
                case .forecast:
                    let width = targets.shape[1]
                    target = .values(Array(targets.scalars[(column * width)..<((column + 1) * width)]))
                case .seq2seq:
                    preconditionFailure("the fixtures hold no seq2seq steps")
                }
                return SequenceExample(input: input, target: target, source: "batch\(index)[\(column)]")
            }
            return SequenceBatch(examples: examples, exampleIndices: Array(0..<batchSize))
        }
    }
}
