import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `gru evaluate`, `gru predict` and `gru generate` on tiny models trained here through the
/// library: what the commands print and write agrees with the library's own evaluation, rows
/// keep the data's order, sampling repeats for a seed, and bad input is one `error:` line.
@Suite(.tags(.endToEnd))
struct WorkflowCommandEndToEndTests {
    let directory: TemporaryDirectory
    /// The texts of `tiny, reviews.csv` in file order, quoted as CSV fields.
    let texts: [String]

    init() throws {
        directory = try TemporaryDirectory()
        let reviews = [
            ("pos", "good great fine"), ("neg", "bad awful poor"), ("pos", "great nice good"),
            ("neg", "poor bad terrible"), ("pos", "\"fine, nice\" and good"), ("neg", "awful and bad"),
            ("pos", "nice good great"), ("neg", "terrible poor awful"),
        ]
        texts = reviews.map { $1.contains(",") ? "\"\($1.replacingOccurrences(of: "\"", with: "\"\""))\"" : $1 }
        try write(
            "label,text\n" + zip(reviews, texts).map { "\($0.0),\($1)" }.joined(separator: "\n") + "\n",
            to: "tiny, reviews.csv")
        try write("label,text\npos,good fine\nmaybe,good bad\n", to: "unknown-label.csv")
        let series = (0..<30).map { step in "m\(step),\(100 + 20 * sin(Double(step) * 0.5) + Double(step))" }
        try write("month,value\n" + series.joined(separator: "\n") + "\n", to: "series.csv")
        try write(
            "the DET\ncat NOUN\nsat VERB\n\na DET\ndog NOUN\nran VERB\nhome NOUN\n\nthe DET\nlog NOUN\n",
            to: "tags.conll")
        try write(String(repeating: "the cat sat on the mat.\nthe dog sat on the log.\n", count: 3), to: "text.txt")
    }

    // MARK: - Fixtures

    private func write(_ text: String, to name: String) throws {
        try Data(text.utf8).write(to: directory.url.appendingPathComponent(name))
    }

    /// Trains a model for two epochs on `data` (validating on it too) into the directory `name`.
    private func train(_ data: String, into name: String, _ configure: (inout TrainingRecipe) -> Void = { _ in }) throws
        -> String
    {
        var recipe = TrainingRecipe()
        recipe.model.hiddenSize = 8
        recipe.optimization.epochs = 2
        recipe.optimization.batchSize = 3
        recipe.optimization.seed = 1
        configure(&recipe)
        let file = directory.url.appendingPathComponent(data)
        let job = TrainingJob(
            recipe: recipe, trainingFile: file, validationFile: file,
            directory: ModelDirectory(directory.url.appendingPathComponent(name)), resume: false)
        try job.prepare().run()
        return directory.path(name)
    }

    private func classifier() throws -> String { try train("tiny, reviews.csv", into: "classify") }

    private func forecaster() throws -> String {
        try train("series.csv", into: "forecast") {
            $0.data.task = .forecast
            $0.data.window = 4
            $0.data.horizon = 2
        }
    }

    private func tagger() throws -> String { try train("tags.conll", into: "tag") }

    private func languageModel() throws -> String {
        try train("text.txt", into: "language-model") { $0.data.sequenceLength = 16 }
    }

    /// The library's evaluation of the model in `model` on the data file `data`.
    private func libraryEvaluation(model: String, data: String, precision: InferencePrecision = .float32) throws
        -> Evaluation
    {
        let (trained, manifest) = try ModelDirectory(URL(fileURLWithPath: model)).loadModel()
        let dataset = try DataLoader.load(
            directory.url.appendingPathComponent(data), options: manifest.dataOptions, schema: manifest.data)
        return try Trainer.evaluate(
            trained.atPrecision(precision), on: dataset, batchSize: 2, objective: EvaluationJob.objective(for: manifest)
        )
    }

    /// `gru evaluate --json`'s single object, after checking it is all of standard output.
    private func evaluateJSON(
        model: String, data: String, extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [String: Any] {
        let result = try CommandRunner.run(
            ["evaluate", "--model", model, "--data", directory.path(data), "--json"] + extra)
        #expect(result.exitCode == 0, "\(result.standardError)", sourceLocation: sourceLocation)
        #expect(
            result.standardOutput.split(separator: "\n").count == 1, "\(result.standardOutput)",
            sourceLocation: sourceLocation)
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        return try #require(object, "\(result.standardOutput)", sourceLocation: sourceLocation)
    }

    /// `gru predict`'s CSV lines for `data`, each split at commas outside quotes.
    private func predict(model: String, data: String, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> [[String]]
    {
        let output = directory.path("predictions.csv")
        let result = try CommandRunner.run([
            "predict", "--model", model, "--data", directory.path(data), "--output", output,
        ])
        #expect(result.exitCode == 0, "\(result.standardError)", sourceLocation: sourceLocation)
        return try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(Self.csvFields)
    }

    /// The fields of one CSV line without line breaks inside quotes (RFC 4180 quoting).
    private static func csvFields(_ line: Substring) -> [String] {
        var fields: [String] = [], field = "", quoted = false, previous: Character?
        for character in line {
            if character == "\"" {
                if !quoted, previous == "\"" { field.append("\"") }  // a doubled quote inside quotes
                quoted.toggle()
            } else if character == ",", !quoted {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
            previous = character
        }
        return fields + [field]
    }

    /// Expects the JSON number `value` to be `expected`: unwraps both, then compares within 1e-5
    /// relative (1e-9 absolute, for zeros), since the CLI and the library compute it the same way.
    private func expectJSONNumber(
        _ value: Any?, _ expected: Double?, _ name: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let value = value as? Double, let expected else {
            Issue.record(
                "\(name): expected \(String(describing: expected)), found \(String(describing: value))",
                sourceLocation: sourceLocation)
            return
        }
        expectApproximatelyEqual(
            value, expected, absoluteTolerance: 1e-9, relativeTolerance: 1e-5, name, sourceLocation: sourceLocation)
    }

    // MARK: - evaluate

    @Test func evaluateJSONAgreesWithTheLibraryForClassification() throws {
        let model = try classifier()
        let object = try evaluateJSON(model: model, data: "tiny, reviews.csv")
        #expect(Set(object.keys) == ["count", "loss", "accuracy", "macro_f1", "labels", "confusion_matrix"])
        let evaluation = try libraryEvaluation(model: model, data: "tiny, reviews.csv")
        expectJSONNumber(object["loss"], evaluation.loss, "loss")
        expectJSONNumber(object["accuracy"], evaluation.accuracy, "accuracy")
        expectJSONNumber(object["macro_f1"], evaluation.macroF1, "macro_f1")
        #expect(object["count"] as? Int == 8)
        #expect(object["labels"] as? [String] == ["neg", "pos"])
        #expect(object["confusion_matrix"] as? [[Int]] == evaluation.confusion)
    }

    @Test func evaluateTableNamesTheClasses() throws {
        let result = try CommandRunner.run([
            "evaluate", "--model", try classifier(), "--data", directory.path("tiny, reviews.csv"),
        ])
        #expect(result.exitCode == 0, "\(result.standardError)")
        for fragment in ["classify: 8 sequences", "loss", "accuracy", "macro_f1", "confusion matrix", "neg", "pos"] {
            #expect(result.standardOutput.contains(fragment), "\(result.standardOutput)")
        }
    }

    @Test func evaluateJSONReportsForecastErrorsInDataUnits() throws {
        let model = try forecaster()
        let object = try evaluateJSON(model: model, data: "series.csv")
        #expect(Set(object.keys) == ["count", "loss", "mae", "rmse"])
        let evaluation = try libraryEvaluation(model: model, data: "series.csv")
        expectJSONNumber(object["loss"], evaluation.loss, "loss")
        expectJSONNumber(object["mae"], evaluation.meanAbsoluteError, "mae")
        expectJSONNumber(object["rmse"], evaluation.rootMeanSquaredError, "rmse")
        #expect(object["count"] as? Int == 30 - 4 - 2 + 1)
    }

    @Test func evaluateJSONReportsPerplexityForLanguageModels() throws {
        let model = try languageModel()
        let object = try evaluateJSON(model: model, data: "text.txt")
        #expect(Set(object.keys) == ["count", "loss", "perplexity"])
        let evaluation = try libraryEvaluation(model: model, data: "text.txt")
        expectJSONNumber(object["loss"], evaluation.loss, "loss")
        expectJSONNumber(object["perplexity"], evaluation.perplexity, "perplexity")
    }

    @Test(arguments: [InferencePrecision.bf16, .int8])
    func evaluateAtLowPrecisionAgreesWithTheLibrary(_ precision: InferencePrecision) throws {
        for (model, data) in [(try classifier(), "tiny, reviews.csv"), (try languageModel(), "text.txt")] {
            let object = try evaluateJSON(model: model, data: data, extra: ["--precision", precision.rawValue])
            let evaluation = try libraryEvaluation(model: model, data: data, precision: precision)
            expectJSONNumber(object["loss"], evaluation.loss, "\(data) loss at \(precision)")
            let float32 = try libraryEvaluation(model: model, data: data)
            #expect(abs(evaluation.loss - float32.loss) < 0.05, "\(data): \(evaluation.loss) against \(float32.loss)")
        }
    }

    @Test func predictAndGenerateTakeAPrecision() throws {
        let output = directory.path("int8.csv")
        let predicted = try CommandRunner.run([
            "predict", "--model", try classifier(), "--data", directory.path("tiny, reviews.csv"), "--output", output,
            "--precision", "int8",
        ])
        #expect(predicted.exitCode == 0, "\(predicted.standardError)")
        #expect(try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").count == 9)
        let generated = try CommandRunner.run([
            "generate", "--model", try languageModel(), "--length", "30", "--precision", "bf16", "--temperature", "0",
        ])
        #expect(generated.exitCode == 0, "\(generated.standardError)")
        #expect(generated.standardOutput.unicodeScalars.count >= 30)
    }

    @Test func lowPrecisionOfAnotherCellIsOneLineError() throws {
        let model = try train("tiny, reviews.csv", into: "lstm") { $0.model.cell = .lstm }
        try expectFailure(
            ["evaluate", "--model", model, "--data", directory.path("tiny, reviews.csv"), "--precision", "int8"],
            mentions: ["--precision int8", "lstm"])
    }

    // MARK: - predict

    @Test func predictWritesOneRowPerSequenceInFileOrderWithClassProbabilities() throws {
        let lines = try predict(model: try classifier(), data: "tiny, reviews.csv")
        #expect(lines.first == ["index", "source", "prediction", "p_neg", "p_pos"])
        let rows = lines.dropFirst()
        try #require(rows.count == 8)
        for (position, row) in rows.enumerated() {
            try #require(row.count == 5, "\(row)")
            #expect(row[0] == String(position))
            #expect(row[1] == directory.path("tiny, reviews.csv") + ":\(position + 2)")
            let probabilities = try row[3...].map { try #require(Double($0)) }
            #expect(abs(probabilities.reduce(0, +) - 1) < 1e-5)
            #expect(row[2] == (probabilities[1] > probabilities[0] ? "pos" : "neg"))
        }
        let text = try String(contentsOfFile: directory.path("predictions.csv"), encoding: .utf8)
        #expect(
            text.contains("\n0,\"\(directory.path("tiny, reviews.csv")):2\","),
            "the source holds a comma, so it is quoted")
    }

    @Test func predictReadsUnlabelledTextInFileOrder() throws {
        let model = try classifier()
        let labelled = try predict(model: model, data: "tiny, reviews.csv").dropFirst()
        // The same texts without labels: a header with the text column only, then headerless and reversed.
        try write(
            "id,text\n" + labelled.indices.map { "r\($0),\(texts[$0 - 1])" }.joined(separator: "\n") + "\n",
            to: "new.csv")
        try write(texts.reversed().joined(separator: "\n") + "\n", to: "reversed.csv")

        let lines = try predict(model: model, data: "new.csv")
        #expect(lines.first == ["index", "source", "prediction", "p_neg", "p_pos"])
        let rows = Array(lines.dropFirst())
        try #require(rows.count == 8)
        #expect(rows.map { $0[0] } == (0..<8).map(String.init))
        #expect(rows.map { $0[1] } == (2..<10).map { directory.path("new.csv") + ":\($0)" })
        #expect(rows.map { Array($0[2...]) } == labelled.map { Array($0[2...]) }, "same texts, same predictions")

        let reversed = Array(try predict(model: model, data: "reversed.csv").dropFirst())
        try #require(reversed.count == 8)
        #expect(reversed.map { $0[1] } == (1...8).map { directory.path("reversed.csv") + ":\($0)" })
        #expect(reversed.map { Array($0[2...]) } == labelled.reversed().map { Array($0[2...]) })

        // evaluate still needs labels.
        try expectFailure(
            ["evaluate", "--model", model, "--data", directory.path("reversed.csv")],
            mentions: [directory.path("reversed.csv") + ":1", "expected 2 fields (label, text), found 1"])
    }

    @Test func predictTagsUnlabelledTokens() throws {
        let model = try tagger()
        try write("the\ncat\nran\nhome\n\na\nlog\n", to: "tokens.conll")
        let rows = Array(try predict(model: model, data: "tokens.conll").dropFirst())
        try #require(rows.count == 2)
        #expect(rows.map { $0[1] } == [1, 6].map { directory.path("tokens.conll") + ":\($0)" })
        #expect(rows.map { $0[2].split(separator: " ").count } == [4, 2])
        try expectFailure(
            ["evaluate", "--model", model, "--data", directory.path("tokens.conll")],
            mentions: [directory.path("tokens.conll") + ":1", "expected a token and its tag"])
    }

    @Test func predictTagsEveryStepAndEvaluateCountsThem() throws {
        let model = try tagger()
        let lines = try predict(model: model, data: "tags.conll")
        #expect(lines.first == ["index", "source", "prediction"])
        let rows = Array(lines.dropFirst())
        try #require(rows.count == 3)
        #expect(rows.map { $0[1] } == [1, 5, 10].map { directory.path("tags.conll") + ":\($0)" })
        #expect(rows.map { $0[2].split(separator: " ").count } == [3, 4, 2])
        #expect(
            rows.allSatisfy { $0[2].split(separator: " ").allSatisfy { ["DET", "NOUN", "VERB"].contains(String($0)) } })
        let object = try evaluateJSON(model: model, data: "tags.conll")
        #expect(object["labels"] as? [String] == ["DET", "NOUN", "VERB"])
        #expect((object["confusion_matrix"] as? [[Int]])?.joined().reduce(0, +) == 9, "one count per tagged token")
    }

    @Test func predictForecastsInDataUnitsAgreeWithEvaluate() throws {
        let model = try forecaster()
        let lines = try predict(model: model, data: "series.csv")
        #expect(lines.first == ["index", "source", "value_t+1", "value_t+2"])
        let rows = Array(lines.dropFirst())
        try #require(rows.count == 27, "30 rows give 30 - window + 1 forecasts, the last past the end")
        // The mean absolute error of the forecasts inside the file against its values is evaluate's MAE.
        let values = (0..<30).map { 100 + 20 * sin(Double($0) * 0.5) + Double($0) }
        var errorSum = 0.0
        for (start, row) in rows.prefix(25).enumerated() {
            #expect(row[1] == directory.path("series.csv") + ":\(start + 4 + 1)", "the window's last row")
            for step in 0..<2 { errorSum += abs(try #require(Double(row[2 + step])) - values[start + 4 + step]) }
        }
        let object = try evaluateJSON(model: model, data: "series.csv")
        let mae = try #require(object["mae"] as? Double)
        #expect(abs(errorSum / 50 - mae) <= 1e-4 * mae, "\(errorSum / 50) vs \(mae)")
    }

    @Test func predictForecastsPastTheEndOfAnUnlabelledSeries() throws {
        let model = try forecaster()
        let whole = Array(try predict(model: model, data: "series.csv").dropFirst())
        // The last 10 rows of series.csv, with the header: windows of 4 end at each of its last 7 rows.
        let series = try String(contentsOfFile: directory.path("series.csv"), encoding: .utf8).split(separator: "\n")
        try write(([series[0]] + series.suffix(10)).joined(separator: "\n") + "\n", to: "recent.csv")

        let lines = try predict(model: model, data: "recent.csv")
        #expect(lines.first == ["index", "source", "value_t+1", "value_t+2"])
        let rows = Array(lines.dropFirst())
        try #require(rows.count == 10 - 4 + 1)
        #expect(rows.map { $0[0] } == (0..<7).map(String.init))
        #expect(
            rows.map { $0[1] } == (5...11).map { directory.path("recent.csv") + ":\($0)" },
            "the last names line 11, the file's last")
        // Same windows, same forecasts (up to the rounding of differently composed batches).
        for (row, reference) in zip(rows, whole.suffix(7)) {
            for column in 2..<4 {
                let value = try #require(Double(row[column])), expected = try #require(Double(reference[column]))
                expectApproximatelyEqual(
                    value, expected, absoluteTolerance: 0, relativeTolerance: 1e-5, "\(row) vs \(reference)")
            }
        }

        try write("month,value\nm0,1\nm1,2\nm2,3\n", to: "short.csv")
        try expectFailure(
            [
                "predict", "--model", model, "--data", directory.path("short.csv"), "--output",
                directory.path("short-out.csv"),
            ],
            mentions: [directory.path("short.csv"), "has 3 rows; expected at least the window, 4"])
    }

    @Test func predictGivesEachLanguageModelSequenceItsPerplexity() throws {
        let model = try languageModel()
        let lines = try predict(model: model, data: "text.txt")
        #expect(lines.first == ["index", "source", "tokens", "perplexity"])
        // Token-weighted mean log-perplexity over the sequences is the data set's loss.
        var logSum = 0.0, tokens = 0
        for row in lines.dropFirst() {
            let count = try #require(Int(row[2]))
            logSum += Double(count) * log(try #require(Double(row[3])))
            tokens += count
        }
        #expect(tokens == 3 * 48 - 1)
        let object = try evaluateJSON(model: model, data: "text.txt")
        expectJSONNumber(logSum / Double(tokens), object["loss"] as? Double, "loss")
    }

    // MARK: - generate

    @Test func generateRepeatsForASeedAndWritesLengthCharacters() throws {
        let model = try languageModel()
        func generate(_ extra: [String]) throws -> String {
            let result = try CommandRunner.run(["generate", "--model", model, "--length", "40"] + extra)
            #expect(result.exitCode == 0, "\(result.standardError)")
            #expect(result.standardOutput.hasSuffix("\n"))
            return String(result.standardOutput.dropLast())
        }
        let first = try generate(["--prompt", "the ", "--seed", "7", "--top-k", "5", "--temperature", "0.8"])
        #expect(try generate(["--prompt", "the ", "--seed", "7", "--top-k", "5", "--temperature", "0.8"]) == first)
        #expect(try generate(["--prompt", "the ", "--seed", "8", "--top-k", "5", "--temperature", "0.8"]) != first)
        #expect(first.hasPrefix("the "))
        #expect(first.unicodeScalars.count == 4 + 40)
        let vocabulary = Set("the cat sat on mat.\ndog log".unicodeScalars)
        #expect(first.unicodeScalars.allSatisfy(vocabulary.contains), "only characters of the training text")
        #expect(try generate([]).unicodeScalars.count == 40, "no prompt: the text is the 40 sampled characters")
    }

    @Test func generateAtTemperatureZeroIgnoresTheSeed() throws {
        let model = try languageModel()
        let outputs = try ["1", "2"].map { seed in
            try CommandRunner.run([
                "generate", "--model", model, "--prompt", "the", "--temperature", "0", "--seed", seed,
            ]).standardOutput
        }
        #expect(outputs[0] == outputs[1])
    }

    // MARK: - errors

    private func expectFailure(
        _ arguments: [String], mentions fragments: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let result = try CommandRunner.run(arguments)
        #expect(result.exitCode == 1, sourceLocation: sourceLocation)
        #expect(result.standardOutput.isEmpty, "\(result.standardOutput)", sourceLocation: sourceLocation)
        #expect(result.standardError.hasPrefix("error: "), sourceLocation: sourceLocation)
        #expect(
            result.standardError.split(separator: "\n").count == 1, "\(result.standardError)",
            sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(result.standardError.contains(fragment), "\(result.standardError)", sourceLocation: sourceLocation)
        }
    }

    @Test func missingModelDirectory() throws {
        let missing = directory.path("no-model")
        let data = directory.path("text.txt")
        try expectFailure(
            ["evaluate", "--model", missing, "--data", data, "--json"], mentions: [missing, "no such model directory"])
        try expectFailure(
            ["predict", "--model", missing, "--data", data, "--output", directory.path("p.csv")], mentions: [missing])
        try expectFailure(["generate", "--model", missing], mentions: [missing])
        #expect(!FileManager.default.fileExists(atPath: directory.path("p.csv")))
    }

    @Test func generateNeedsALanguageModel() throws {
        let model = try classifier()
        try expectFailure(["generate", "--model", model], mentions: [model, "classify", "language-model"])
    }

    @Test func unknownLabelNamesItsLine() throws {
        let model = try classifier()
        let data = directory.path("unknown-label.csv")
        try expectFailure(
            ["evaluate", "--model", model, "--data", data], mentions: [data + ":3", "'maybe'", "'neg', 'pos'"])
        try expectFailure(
            ["predict", "--model", model, "--data", data, "--output", directory.path("p.csv")], mentions: [data + ":3"])
        #expect(!FileManager.default.fileExists(atPath: directory.path("p.csv")))
    }

    @Test func samplingSettingsOutOfRange() throws {
        let model = try languageModel()
        try expectFailure(["generate", "--model", model, "--top-k", "0"], mentions: ["top-k is 0"])
        try expectFailure(["generate", "--model", model, "--temperature=-1"], mentions: ["temperature is -1"])
        try expectFailure(["generate", "--model", model, "--length=-3"], mentions: ["length is -3"])
        try expectFailure(
            ["generate", "--model", model, "--length", "9223372036854775807"],
            mentions: ["length is 9223372036854775807; expected 0...10000000"])
    }

    /// Outputs that overflow are an error, not a file of NaN probabilities or metrics of them.
    @Test func predictRefusesOutputsThatOverflow() throws {
        let model = try classifier()
        let weightsURL = URL(fileURLWithPath: model).appendingPathComponent("weights.safetensors")
        var weights = try SafetensorsFile.read(contentsOf: weightsURL)
        // Every unit's state saturates at 1 (update gate shut, candidate at 1), and the head
        // multiplies it by the largest floats: every logit overflows.
        let head = try #require(weights["head.weight"]), headBias = try #require(weights["head.bias"])
        let inputBias = try #require(weights["gru.bias_ih_l0"])
        let hidden = inputBias.shape[0] / 3
        weights.set(
            Tensor(
                shape: inputBias.shape,
                scalars: (0..<(3 * hidden)).map { $0 < hidden ? 0 : ($0 < 2 * hidden ? -30 : 30) }),
            named: "gru.bias_ih_l0")
        weights.set(Tensor(shape: head.shape, repeating: 3e38), named: "head.weight")
        weights.set(Tensor(shape: headBias.shape, repeating: 3e38), named: "head.bias")
        try weights.write(to: weightsURL)
        try expectFailure(
            [
                "predict", "--model", model, "--data", directory.path("tiny, reviews.csv"), "--output",
                directory.path("p.csv"),
            ],
            mentions: ["outputs are NaN or infinite", "may have overflowed"])
        #expect(!FileManager.default.fileExists(atPath: directory.path("p.csv")))
        try expectFailure(
            ["evaluate", "--model", model, "--data", directory.path("tiny, reviews.csv")],
            mentions: ["outputs on", "are NaN or infinite"])
    }

    /// The model's own files are inputs of predict: a CSV written over one would destroy the model.
    @Test func predictRefusesToWriteOverTheModel() throws {
        let model = try classifier()
        let manifest = try Data(contentsOf: URL(fileURLWithPath: model).appendingPathComponent("model.json"))
        try expectFailure(
            [
                "predict", "--model", model, "--data", directory.path("tiny, reviews.csv"), "--output",
                model + "/model.json",
            ],
            mentions: ["is the file given to --model"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: model).appendingPathComponent("model.json")) == manifest)
    }

    /// Data may come from a pipe, as with `--data <(gunzip -c test.csv.gz)`.
    @Test func evaluateReadsDataFromAPipe() throws {
        let model = try classifier()
        let pipe = directory.url.appendingPathComponent("reviews-pipe")
        #expect(
            makePipe(at: pipe, feeding: try Data(contentsOf: directory.url.appendingPathComponent("tiny, reviews.csv")))
        )
        let fromPipe = try CommandRunner.run([
            "evaluate", "--model", model, "--data", pipe.path, "--format", "csv", "--json",
        ])
        #expect(fromPipe.exitCode == 0, "\(fromPipe.standardError)")
        let fromFile = try CommandRunner.run([
            "evaluate", "--model", model, "--data", directory.path("tiny, reviews.csv"), "--json",
        ])
        #expect(fromPipe.standardOutput == fromFile.standardOutput)
    }
}
