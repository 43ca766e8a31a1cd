import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `gru train --task seq2seq`, `gru evaluate` and `gru predict` on an encoder-decoder: the
/// command-line contract (the JSON keys, source TAB prediction lines), the same numbers as the
/// library's evaluation of the saved model, and bad flags and files as one `error:` line that
/// writes nothing.
@Suite(.tags(.endToEnd))
struct Seq2SeqCommandEndToEndTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        var generator = SeededGenerator(seed: 3)
        let words = (0..<240).map { _ in
            (0..<(2 + Int(generator.next() % 3))).map { _ in ["a", "b", "c", "d"][Int(generator.next() % 4)] }.joined()
        }
        // The target: the word backwards in capitals, its letters space-separated tokens.
        func pair(_ word: String) -> String {
            word + "\t" + word.reversed().map { $0.uppercased() }.joined(separator: " ")
        }
        try write(words[..<200].map(pair).joined(separator: "\n") + "\n", to: "train.tsv")
        try write(words[200...].map(pair).joined(separator: "\n") + "\n", to: "test.tsv")
        // Ten sources, one with a letter the training words never hold, a blank line among them.
        try write(
            words[200..<205].joined(separator: "\n") + "\n\n" + words[205..<209].joined(separator: "\n") + "\nabz\n",
            to: "sources.txt")
    }

    private func write(_ text: String, to name: String) throws {
        try Data(text.utf8).write(to: directory.url.appendingPathComponent(name))
    }

    private func train(_ extra: [String] = []) throws -> String {
        let result = try CommandRunner.run(
            [
                "train", "--task", "seq2seq", "--train", directory.path("train.tsv"), "--model", directory.path("s2s"),
                "--target-tokens", "whitespace", "--hidden-size", "24", "--embedding-size", "8", "--bidirectional",
                "--epochs", "20", "--batch-size", "16", "--learning-rate", "0.01", "--clip-norm", "1",
            ] + extra)
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardError.contains("epoch 20/20"), "\(result.standardError)")
        return directory.path("s2s")
    }

    @Test(arguments: ["none", "additive", "multiplicative"])
    func trainEvaluateAndPredict(_ attention: String) throws {
        let model = try train(["--attention", attention])
        let evaluated = try CommandRunner.run([
            "evaluate", "--model", model, "--data", directory.path("test.tsv"), "--json", "--beam-width", "2",
        ])
        #expect(evaluated.exitCode == 0, "\(evaluated.standardError)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(evaluated.standardOutput.utf8)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "count", "loss", "token_accuracy", "sequence_accuracy", "error_rate", "unknown_source_tokens",
                "unknown_target_tokens",
            ])
        #expect(object["unknown_source_tokens"] as? Int == 0 && object["unknown_target_tokens"] as? Int == 0)
        #expect(object["count"] as? Int == 40)

        // The library's evaluation of the saved model gives the same numbers.
        let (trained, manifest) = try EncoderDecoderDirectory(URL(fileURLWithPath: model)).load()
        #expect(manifest.configuration.attention.rawValue == attention)
        let pairs = try TranslationPairs.read(
            directory.url.appendingPathComponent("test.tsv"), source: manifest.sourceTokenizer,
            target: manifest.targetTokenizer)
        let library = try TransductionEvaluation(
            model: trained, examples: pairs.pairs.map(manifest.vocabularies.encode),
            options: DecodingOptions(
                beamWidth: 2, maxLength: manifest.maxOutputLength, startToken: TranslationVocabularies.startID,
                endToken: TranslationVocabularies.endID))
        // JSON's decimal digits round the last bit.
        #expect(abs((object["sequence_accuracy"] as? Double ?? -1) - library.sequenceAccuracy) < 1e-12)
        #expect(abs((object["error_rate"] as? Double ?? -1) - library.errorRate) < 1e-12)
        #expect(library.sequenceAccuracy > 0.5, "\(library)")

        // Length normalization and another limit reach the search.
        let normalized = try CommandRunner.run([
            "evaluate", "--model", model, "--data", directory.path("test.tsv"), "--json", "--beam-width", "3",
            "--length-penalty", "1", "--max-output-length", "3",
        ])
        #expect(normalized.exitCode == 0, "\(normalized.standardError)")
        let normalizedObject = try #require(
            try JSONSerialization.jsonObject(with: Data(normalized.standardOutput.utf8)) as? [String: Any])
        let normalizedLibrary = try TransductionEvaluation(
            model: trained, examples: pairs.pairs.map(manifest.vocabularies.encode),
            options: DecodingOptions(
                beamWidth: 3, maxLength: 3, lengthPenalty: 1, startToken: TranslationVocabularies.startID,
                endToken: TranslationVocabularies.endID))
        #expect(abs((normalizedObject["error_rate"] as? Double ?? -1) - normalizedLibrary.errorRate) < 1e-12)
        #expect(normalizedLibrary.errorRate != library.errorRate, "a limit of 3 cuts the 4-token targets")

        let output = directory.path("out.tsv")
        let predicted = try CommandRunner.run([
            "predict", "--model", model, "--data", directory.path("sources.txt"), "--output", output,
        ])
        #expect(predicted.exitCode == 0, "\(predicted.standardError)")
        #expect(
            predicted.standardError.contains("note: 1 source tokens unseen at training time"),
            "\(predicted.standardError)")
        // One line for each input line, the blank one included, each source in its place.
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 12 && lines.last == "", "\(lines)")
        let inputs = try String(contentsOfFile: directory.path("sources.txt"), encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        for (line, input) in zip(lines.dropLast(), inputs) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            #expect(fields.count == 2 && fields[0] == input, "\(line) for \(input)")
        }
        #expect(lines[5].hasPrefix("\t"), "\(lines)")

        let short = directory.path("short.tsv")
        let limited = try CommandRunner.run([
            "predict", "--model", model, "--data", directory.path("sources.txt"), "--output", short,
            "--max-output-length", "2",
        ])
        #expect(limited.exitCode == 0, "\(limited.standardError)")
        for line in try String(contentsOfFile: short, encoding: .utf8).split(separator: "\n") {
            let prediction = line.split(separator: "\t", omittingEmptySubsequences: false).last ?? ""
            #expect(prediction.split(separator: " ").count <= 2, "\(line)")
        }
        let correct = lines.filter { line in
            let fields = line.split(separator: "\t").map(String.init)
            return fields.count == 2
                && fields[1] == fields[0].reversed().map { $0.uppercased() }.joined(separator: " ")
        }
        #expect(correct.count >= 4, "\(lines)")
    }

    @Test(arguments: [
        (["--cell", "lstm"], ["--cell", "seq2seq"]),
        (["--window", "3"], ["--window"]),
        (["--resume"], ["bad/model.json", "encoder-decoder"]),
        (["--epochs", "0"], ["--epochs"]),
        (["--pooling", "mean"], ["--pooling"]),
        (["--input-dropout", "1.5"], ["input dropout", "1.5", "[0, 1)"]),
        (["--label-smoothing", "2"], ["label smoothing is 2"]),
        (["--scheduled-sampling", "1.5"], ["--scheduled-sampling", "[0, 1]"]),
        (["--optimizer", "sgd", "--momentum", "1.5"], ["momentum is 1.5"]),
    ])
    func settingsThatDoNotApplyAreOneLineErrors(_ extra: [String], _ fragments: [String]) throws {
        let result = try CommandRunner.run(
            ["train", "--task", "seq2seq", "--train", directory.path("train.tsv"), "--model", directory.path("bad")]
                + extra)
        #expect(result.exitCode != 0)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("error: "), "\(result.standardError)")
        for fragment in fragments { #expect(result.standardError.contains(fragment), "\(result.standardError)") }
        #expect(!FileManager.default.fileExists(atPath: directory.path("bad")))
    }

    /// With Adam, with SGD and a plateau schedule, which the resumed run replays from the
    /// log's validation losses, and with attention, every regularizer and scheduled sampling,
    /// whose masks and choices the resumed run draws as the whole run does.
    @Test(arguments: [
        [String](),
        [
            "--attention", "additive", "--layers", "2", "--layer-dropout", "0.2", "--input-dropout", "0.2",
            "--recurrent-dropout", "0.2", "--zoneout", "0.1", "--weight-drop", "0.2", "--output-dropout", "0.2",
            "--label-smoothing", "0.1", "--scheduled-sampling", "0.5", "--scheduled-sampling-ramp", "2",
        ],
        [
            "--optimizer", "sgd", "--momentum", "0.9", "--schedule", "plateau", "--schedule-patience", "0",
            "--decay-factor", "0.5", "--clip-value", "0.5",
        ],
    ])
    func aResumedRunEqualsTheWholeRun(_ optimization: [String]) throws {
        func run(_ name: String, epochs: Int, resume: Bool = false) throws {
            let result = try CommandRunner.run(
                [
                    "train", "--task", "seq2seq", "--train", directory.path("train.tsv"), "--model",
                    directory.path(name),
                    "--hidden-size", "12", "--embedding-size", "6", "--epochs", "\(epochs)", "--batch-size", "16",
                    "--learning-rate", "0.01", "--seed", "4",
                ] + optimization + (resume ? ["--resume"] : []))
            #expect(result.exitCode == 0, "\(result.standardError)")
        }
        try run("whole", epochs: 3)
        if optimization.contains("--zoneout") {
            let configuration = try EncoderDecoderDirectory(directory.url.appendingPathComponent("whole"))
                .loadManifest().configuration
            #expect(
                [
                    configuration.inputDropout, configuration.layerDropout, configuration.recurrentDropout,
                    configuration.zoneout, configuration.weightDrop, configuration.outputDropout,
                ] == [0.2, 0.2, 0.2, 0.1, 0.2, 0.2])
        }
        try run("stopped", epochs: 2)
        try run("stopped", epochs: 3, resume: true)
        for file in ["weights.safetensors", "checkpoint.safetensors"] {
            #expect(
                try Data(contentsOf: directory.url.appendingPathComponent("stopped/" + file))
                    == Data(contentsOf: directory.url.appendingPathComponent("whole/" + file)), "\(file)")
        }
        let log = try String(contentsOfFile: directory.path("stopped/log.jsonl"), encoding: .utf8)
        #expect(log.split(separator: "\n").count == 3)
        #expect(FileManager.default.fileExists(atPath: directory.path("stopped/curve.svg")))
        let changed = try CommandRunner.run(
            [
                "train", "--task", "seq2seq", "--train", directory.path("train.tsv"), "--model",
                directory.path("stopped"),
                "--hidden-size", "13", "--embedding-size", "6", "--epochs", "4", "--batch-size", "16",
                "--learning-rate",
                "0.01", "--seed", "4", "--resume",
            ] + optimization)
        #expect(changed.exitCode == 1)
        #expect(
            changed.standardError.contains("hiddenSize 13 (the checkpointed run has 12)"), "\(changed.standardError)")
    }

    /// `--early-stopping 1` stops the run the epoch after its best validation loss and keeps
    /// that epoch's weights: the weights of a run without it stopped at the best epoch. A run
    /// resumed before the stop stops where the whole run does, with the same weights and
    /// checkpoint, and
    /// resuming a stopped run trains no further.
    @Test func earlyStoppingKeepsTheBestEpochsWeights() throws {
        func run(_ name: String, epochs: Int, _ extra: [String]) throws -> String {
            let result = try CommandRunner.run(
                [
                    "train", "--task", "seq2seq", "--train", directory.path("train.tsv"), "--model",
                    directory.path(name), "--target-tokens", "whitespace", "--hidden-size", "12", "--embedding-size",
                    "6", "--epochs", "\(epochs)", "--batch-size", "16", "--learning-rate", "0.05", "--seed", "4",
                ] + extra)
            #expect(result.exitCode == 0, "\(result.standardError)")
            return result.standardError
        }
        func validationLosses(_ name: String) throws -> [Double] {
            try String(contentsOfFile: directory.path(name + "/log.jsonl"), encoding: .utf8)
                .split(separator: "\n").map { line in
                    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    return try #require((object?["validation"] as? [String: Any])?["loss"] as? Double)
                }
        }
        func file(_ name: String) throws -> Data { try Data(contentsOf: directory.url.appendingPathComponent(name)) }
        let output = try run("stopping", epochs: 30, ["--early-stopping", "1"])
        let losses = try validationLosses("stopping")
        let best = losses.indices.min { losses[$0] < losses[$1] }! + 1
        #expect(losses.count < 30 && losses.count == best + 1, "\(losses)")
        #expect(output.contains("best at epoch \(best)"), "\(output)")

        _ = try run("plain", epochs: best, [])
        #expect(try file("stopping/weights.safetensors") == file("plain/weights.safetensors"))

        _ = try run("resumed", epochs: best, ["--early-stopping", "1"])
        _ = try run("resumed", epochs: 30, ["--early-stopping", "1", "--resume"])
        for name in ["weights.safetensors", "checkpoint.safetensors"] {
            #expect(try file("resumed/" + name) == file("stopping/" + name), "\(name)")
        }
        #expect(try validationLosses("resumed") == losses)
        _ = try run("stopping", epochs: 40, ["--early-stopping", "1", "--resume"])
        #expect(try validationLosses("stopping").count == losses.count)
    }

    /// A second run into a directory that a run is writing is refused at once with one line,
    /// a resumed one included, and the directory is left as it was.
    @Test func aDirectoryBeingWrittenIsRefused() throws {
        let arguments = [
            "train", "--task", "seq2seq", "--train", directory.path("train.tsv"), "--model", directory.path("busy"),
            "--hidden-size", "8", "--embedding-size", "4",
        ]
        let first = try CommandRunner.run(arguments + ["--epochs", "1"])
        #expect(first.exitCode == 0, "\(first.standardError)")
        let weights = directory.url.appendingPathComponent("busy/weights.safetensors")
        let before = try Data(contentsOf: weights)
        let lock = try ModelDirectoryLock(directory.url.appendingPathComponent("busy"))
        for extra in [["--epochs", "1", "--seed", "5"], ["--epochs", "2", "--resume"]] {
            let result = try CommandRunner.run(arguments + extra)
            #expect(result.exitCode == 1)
            let lines = result.standardError.split(separator: "\n")
            #expect(
                lines.count == 1 && lines[0].contains("another gru train is writing this model directory"),
                "\(result.standardError)")
        }
        #expect(try Data(contentsOf: weights) == before)
        withExtendedLifetime(lock) {}
    }

    @Test func seq2seqFlagsOnAnotherTaskAndAMalformedFileAreOneLineErrors() throws {
        try write("label,text\npos,good\nneg,bad\npos,fine\n", to: "reviews.csv")
        for (arguments, fragments) in [
            (
                [
                    "train", "--train", directory.path("reviews.csv"), "--model", directory.path("m"), "--attention",
                    "additive",
                ],
                ["--attention", "seq2seq models only"]
            ),
            (
                [
                    "train", "--train", directory.path("reviews.csv"), "--model", directory.path("m"),
                    "--target-tokens",
                    "whitespace",
                ],
                ["--target-tokens"]
            ),
            (
                [
                    "train", "--train", directory.path("reviews.csv"), "--model", directory.path("m"),
                    "--scheduled-sampling", "0.5",
                ],
                ["--scheduled-sampling", "seq2seq models only"]
            ),
        ] {
            let result = try CommandRunner.run(arguments)
            #expect(result.exitCode == 1, "\(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
            for fragment in fragments { #expect(result.standardError.contains(fragment), "\(result.standardError)") }
        }
        try write("ab\tB A\nno tab\n", to: "bad.tsv")
        let result = try CommandRunner.run([
            "train", "--task", "seq2seq", "--train", directory.path("bad.tsv"), "--model", directory.path("m"),
        ])
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains("bad.tsv:2: has 0 TABs"), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("m")))
    }

    @Test func badDecodingFlagsAreOneLineErrors() throws {
        let model = try train()
        try write("label,text\npos,good\nneg,bad\npos,fine\n", to: "reviews.csv")
        let classifier = try CommandRunner.run([
            "train", "--train", directory.path("reviews.csv"), "--model", directory.path("classifier"), "--epochs", "1",
        ])
        #expect(classifier.exitCode == 0, "\(classifier.standardError)")
        for (command, extra, fragments) in [
            ("evaluate", ["--length-penalty", "-1"], ["--length-penalty", "-1.0"]),
            ("evaluate", ["--length-penalty", "nan"], ["--length-penalty", "nan"]),
            ("predict", ["--max-output-length", "0"], ["--max-output-length", "0"]),
            ("predict", ["--beam-width", "0"], ["--beam-width", "0"]),
            ("evaluate", ["--precision", "int8"], ["--precision", "one-stack models only"]),
            ("predict", ["--format", "csv"], ["--format", "one-stack models only"]),
            ("predict", ["--probabilities"], ["--probabilities", "one-stack models only"]),
        ] {
            var arguments = [command, "--model", model, "--data", directory.path("test.tsv")] + extra
            if command == "predict" { arguments += ["--output", directory.path("never.tsv")] }
            let result = try CommandRunner.run(arguments)
            #expect(result.exitCode == 1, "\(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
            for fragment in fragments { #expect(result.standardError.contains(fragment), "\(result.standardError)") }
            #expect(!FileManager.default.fileExists(atPath: directory.path("never.tsv")))
        }
        for flag in ["--length-penalty", "--max-output-length"] {
            let result = try CommandRunner.run([
                "evaluate", "--model", directory.path("classifier"), "--data", directory.path("reviews.csv"), flag, "1",
            ])
            #expect(result.exitCode != 0, "\(result.standardError)")
            #expect(result.standardError.contains(flag) && result.standardError.contains("seq2seq models only"))
        }
    }

    /// Sources of feature vectors: each letter of a word a noisy one-hot step of 4 features, the
    /// target the word backwards in capitals, as in the token tests.
    private func writeFeaturePairs() throws -> [String] {
        var generator = SeededGenerator(seed: 5)
        func features(_ word: String) -> String {
            word.map { letter in
                let hot = Int(letter.asciiValue! - Character("a").asciiValue!)
                return (0..<4).map { k in
                    String(format: "%.3f", (k == hot ? 1 : 0) + generator.uniform(-0.2, 0.2))
                }.joined(separator: " ")
            }.joined(separator: ";")
        }
        let words = (0..<240).map { _ in
            (0..<(2 + Int(generator.next() % 3))).map { _ in ["a", "b", "c", "d"][Int(generator.next() % 4)] }.joined()
        }
        let lines = words.map { features($0) + "\t" + $0.reversed().map { $0.uppercased() }.joined(separator: " ") }
        try write(lines[..<200].joined(separator: "\n") + "\n", to: "features-train.tsv")
        try write(lines[200...].joined(separator: "\n") + "\n", to: "features-test.tsv")
        return Array(lines[200...])
    }

    @Test(arguments: ["none", "additive"])
    func featureSourcesTrainEvaluateAndPredict(_ attention: String) throws {
        let test = try writeFeaturePairs()
        let model = directory.path("features-\(attention)")
        let trained = try CommandRunner.run([
            "train", "--task", "seq2seq", "--train", directory.path("features-train.tsv"), "--model", model,
            "--source-tokens", "features", "--target-tokens", "whitespace", "--attention", attention,
            "--hidden-size", "24", "--embedding-size", "8", "--bidirectional", "--epochs", "20", "--batch-size", "16",
            "--learning-rate", "0.01", "--clip-norm", "1",
        ])
        #expect(trained.exitCode == 0, "\(trained.standardError)")
        let (loaded, manifest) = try EncoderDecoderDirectory(URL(fileURLWithPath: model)).load()
        #expect(manifest.sourceTokens == .features && manifest.configuration.sourceFeatureCount == 4)
        #expect(!loaded.namedTensors.contains { $0.name.hasPrefix("source_embedding.") })

        let evaluated = try CommandRunner.run([
            "evaluate", "--model", model, "--data", directory.path("features-test.tsv"), "--json",
        ])
        #expect(evaluated.exitCode == 0, "\(evaluated.standardError)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(evaluated.standardOutput.utf8)) as? [String: Any])
        #expect(object["count"] as? Int == 40 && object["unknown_source_tokens"] as? Int == 0)
        #expect((object["sequence_accuracy"] as? Double ?? 0) > 0.5, "\(object)")

        // predict reads the sources alone and writes them back as given, one line each.
        let sources = test.map { String($0.split(separator: "\t")[0]) }
        try write(sources.joined(separator: "\n") + "\n", to: "features-sources.txt")
        let output = directory.path("features-out.tsv")
        let predicted = try CommandRunner.run([
            "predict", "--model", model, "--data", directory.path("features-sources.txt"), "--output", output,
        ])
        #expect(predicted.exitCode == 0, "\(predicted.standardError)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 40)
        let correct = zip(lines, test).filter { line, pair in
            line.split(separator: "\t").first == pair.split(separator: "\t").first
                && line.split(separator: "\t").last == pair.split(separator: "\t").last
        }
        #expect(correct.count > 20, "\(lines.prefix(5))")
    }

    @Test func malformedFeatureSourcesAreOneLineErrors() throws {
        _ = try writeFeaturePairs()
        try write("0.1 0.2;0.3 0.4\tA\n0.1 0.2;0.3\tB\n", to: "ragged.tsv")
        try write("0.1 x\tA\n", to: "words.tsv")
        for (file, extra, fragments) in [
            ("ragged.tsv", [], ["ragged.tsv:2", "step 2 has 1 values; expected 2"]),
            ("words.tsv", [], ["words.tsv:1", "'x'"]),
            ("features-train.tsv", ["--target-tokens", "features"], ["--target-tokens", "features"]),
        ] {
            let result = try CommandRunner.run(
                [
                    "train", "--task", "seq2seq", "--train", directory.path(file), "--model", directory.path("bad"),
                    "--source-tokens", "features",
                ] + extra)
            #expect(result.exitCode == 1, "\(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
            for fragment in fragments { #expect(result.standardError.contains(fragment), "\(result.standardError)") }
            #expect(!FileManager.default.fileExists(atPath: directory.path("bad")))
        }
    }
}
