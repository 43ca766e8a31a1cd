import Foundation
import GRUKit
import GRUTestSupport
import Testing

/// `gru train` end to end: progress on standard output, the model directory's files, a run
/// stopped and resumed reaching the same weights as an uninterrupted one, and bad settings.
@Suite(.tags(.endToEnd))
struct TrainCommandEndToEndTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        // A small two-class .ts set: class b rises, class a falls, with varying lengths.
        var lines = [
            "@problemName Tiny", "@timeStamps false", "@univariate true", "@equalLength false",
            "@classLabel true a b", "@data",
        ]
        for index in 0..<24 {
            let length = 4 + index % 5
            let rising = index % 2 == 1
            let values = (0..<length).map { step in
                String(format: "%.3f", (rising ? 1.0 : -1.0) * Double(step) / Double(length) + Double(index % 3) * 0.1)
            }
            lines.append(values.joined(separator: ",") + ":" + (rising ? "b" : "a"))
        }
        try (lines.joined(separator: "\n") + "\n").write(
            to: directory.url.appendingPathComponent("tiny.ts"), atomically: true, encoding: .utf8)
    }

    private func train(_ model: String, _ extra: [String]) throws -> CommandResult {
        try CommandRunner.run(
            [
                "train", "--train", directory.path("tiny.ts"), "--model", directory.path(model), "--hidden-size", "6",
                "--batch-size", "5", "--learning-rate", "0.02", "--seed", "3", "--validation-fraction", "0.25",
            ] + extra)
    }

    @Test func trainsAndWritesTheModelDirectory() throws {
        let result = try train("model", ["--epochs", "3"])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("epoch 3/3"))
        #expect(result.standardOutput.contains("val accuracy"))
        for file in ["model.json", "weights.safetensors", "checkpoint.safetensors", "log.jsonl", "curve.svg"] {
            #expect(FileManager.default.fileExists(atPath: directory.path("model/\(file)")), "\(file)")
        }
        let log = try String(contentsOfFile: directory.path("model/log.jsonl"), encoding: .utf8)
        #expect(log.split(separator: "\n").count == 3)
        let svg = try String(contentsOfFile: directory.path("model/curve.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("<polyline"))
    }

    @Test func resumingReachesTheSameWeightsAsOneRun() throws {
        #expect(try train("straight", ["--epochs", "4", "--input-dropout", "0.1"]).exitCode == 0)
        #expect(try train("stopped", ["--epochs", "2", "--input-dropout", "0.1"]).exitCode == 0)
        let resumed = try train("stopped", ["--epochs", "4", "--resume"])
        #expect(resumed.exitCode == 0, "\(resumed.standardError)")
        #expect(resumed.standardOutput.contains("resuming after epoch 2"))
        let straight = try SafetensorsFile.read(
            contentsOf: directory.url.appendingPathComponent("straight/weights.safetensors"))
        let stopped = try SafetensorsFile.read(
            contentsOf: directory.url.appendingPathComponent("stopped/weights.safetensors"))
        #expect(straight.names == stopped.names)
        for name in straight.names { #expect(straight[name] == stopped[name], "\(name)") }
    }

    @Test func badSettingsAreOneLineErrors() throws {
        let result = try train("bad", ["--epochs", "0"])
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains("epochs is 0"))
        #expect(result.standardError.split(separator: "\n").count == 1)
        let missing = try CommandRunner.run([
            "train", "--train", directory.path("absent.ts"), "--model", directory.path("m"),
        ])
        #expect(missing.exitCode == 1)
        #expect(missing.standardError.contains("absent.ts"))
        let noCheckpoint = try train("never-trained", ["--resume"])
        #expect(noCheckpoint.exitCode == 1)
        #expect(noCheckpoint.standardError.contains("no checkpoint to resume"))
    }

    @Test func configFileKeysAreCheckedAndFlagsWin() throws {
        try #"{"hidden_size": 4, "epochs": 1, "learning_rate": 0.01}"#.write(
            to: directory.url.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let result = try train("configured", ["--config", directory.path("config.json")])
        #expect(result.exitCode == 0, "\(result.standardError)")
        let manifest = try ModelDirectory(directory.url.appendingPathComponent("configured")).loadManifest()
        #expect(manifest.model.hiddenSize == 6)  // the flag wins over the file's 4
        #expect(manifest.training.epochs == 1)
        try #"{"hiden_size": 4}"#.write(
            to: directory.url.appendingPathComponent("typo.json"), atomically: true, encoding: .utf8)
        let typo = try train("typo", ["--config", directory.path("typo.json")])
        #expect(typo.exitCode == 1)
        #expect(typo.standardError.contains("unknown key \"hiden_size\""))
    }

    /// A new run into a directory that holds a trained model changes nothing until its first
    /// epoch is saved: a run that fails before then leaves the model loadable as it was.
    @Test func aFailedRunLeavesTheEarlierModelAsItWas() throws {
        #expect(try train("kept", ["--epochs", "2"]).exitCode == 0)
        let files = ["model.json", "weights.safetensors", "checkpoint.safetensors", "log.jsonl", "curve.svg"]
        let before = try files.map { try Data(contentsOf: directory.url.appendingPathComponent("kept/\($0)")) }
        // Ten hidden units, not six (the last flag wins), at a rate that diverges in epoch 1.
        let failed = try train(
            "kept",
            [
                "--epochs", "2", "--hidden-size", "10", "--optimizer", "sgd", "--momentum", "0.9", "--learning-rate",
                "3e38",
            ])
        #expect(failed.exitCode == 1)
        #expect(failed.standardError.contains("the training loss became"), "\(failed.standardError)")
        let after = try files.map { try Data(contentsOf: directory.url.appendingPathComponent("kept/\($0)")) }
        for (name, (old, new)) in zip(files, zip(before, after)) { #expect(old == new, "\(name)") }
        // The files, and the lock file of their saves: no journal, no temporary files.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path("kept")).sorted()
                == ([".save-lock"] + files).sorted())
    }

    @Test func sizesBeyondMemoryOrRangeAreOneLineErrors() throws {
        for (flags, fragment) in [
            (["--hidden-size", "50000"], "expected at most what this machine's"),
            (["--hidden-size", "3037000500"], "more parameters than can be counted"),
            (["--batch-size", "9223372036854775807"], "batch size is 9223372036854775807; expected 1...1073741824"),
        ] {
            let result = try train("too-large", ["--epochs", "1"] + flags)
            #expect(result.exitCode == 1, "\(flags)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
            #expect(result.standardError.contains(fragment), "\(result.standardError)")
            #expect(!FileManager.default.fileExists(atPath: directory.path("too-large")))
        }
    }

    @Test func resumingWithADifferentSettingIsAnError() throws {
        #expect(try train("resumed", ["--epochs", "1"]).exitCode == 0)
        let checkpoint = try Data(contentsOf: directory.url.appendingPathComponent("resumed/checkpoint.safetensors"))
        let result = try train("resumed", ["--epochs", "2", "--resume", "--hidden-size", "9"])
        #expect(result.exitCode == 1)
        #expect(
            result.standardError.contains("--hidden-size 9 (the checkpointed run has 6)"), "\(result.standardError)")
        #expect(
            try Data(contentsOf: directory.url.appendingPathComponent("resumed/checkpoint.safetensors")) == checkpoint)
        // The same settings, and a longer run, are what --resume takes.
        #expect(try train("resumed", ["--epochs", "2", "--resume"]).exitCode == 0)
    }

    @Test(arguments: [
        (#"{"epochs": 1.5}"#, #"key "epochs" is 1.5; expected an integer"#),
        (#"{"optimizer": "foo"}"#, #"key "optimizer" is "foo"; expected one of sgd, adam, adamw, rmsprop"#),
        (#"{"learning_rate": null}"#, #"key "learning_rate" is null; expected a number"#),
        (#"{"epochs": 1, "epochs": 2}"#, #"names the key "epochs" twice"#),
    ])
    func configValuesOfTheWrongKindNameTheKeyAndWhatItTakes(_ json: String, _ fragment: String) throws {
        let name = "config-\(abs(json.hashValue)).json"
        try json.write(to: directory.url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        let result = try train("never", ["--config", directory.path(name)])
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains(fragment), "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1)
    }

    /// Settings that do nothing for the task at hand are named, not silently ignored.
    @Test(arguments: [
        (["--loss", "mae"], "--loss: given for a classify model from tiny.ts; expected forecast models only"),
        (
            ["--truncated-bptt"],
            "--truncated-bptt: given for a classify model from tiny.ts; expected language models only"
        ),
        (
            ["--embedding-size", "8"],
            "--embedding-size: given for a classify model from tiny.ts; expected models of token input (text) only"
        ),
    ])
    func settingsThatDoNotApplyToTheTaskAreErrors(_ flags: [String], _ fragment: String) throws {
        let result = try train("inapplicable", ["--epochs", "1"] + flags)
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains(fragment), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("inapplicable")))
    }

    @Test func aModelDirectoryOfAnotherFormatIsRefused() throws {
        #expect(try train("other-format", ["--epochs", "1"]).exitCode == 0)
        let manifestURL = directory.url.appendingPathComponent("other-format/model.json")
        let text = try String(contentsOf: manifestURL, encoding: .utf8)
        try text.replacingOccurrences(of: "\"format\" : 1", with: "\"format\" : 99")
            .write(to: manifestURL, atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(
            ["evaluate", "--model", directory.path("other-format"), "--data", directory.path("tiny.ts")])
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains("has format 99; expected 1"), "\(result.standardError)")
    }

    /// A model.json edited by hand: values out of range, or a data schema that does not fit
    /// the model, are one-line errors naming model.json for evaluate and --resume alike, not
    /// traps in batching, and the directory is left as it was.
    @Test(arguments: [
        (["training", "batchSize"], "0", "training options: batch size is 0; expected 1...1073741824"),
        (["training", "bucketBatches"], "-1", "training options: bucket batches is -1; expected 1...1073741824"),
        (
            ["data", "featureNames"], "[]",
            "data schema: 0 feature names; expected 1 feature names, the features the model reads"
        ),
        (["data", "task"], #""forecast""#, "data schema: task forecast; expected classify, the model's task"),
        (
            ["data", "labels", "names"], #"["a", "b", "c"]"#,
            "data schema: 3 labels, which make 3 values a prediction; expected 2, the values the model writes"
        ),
    ])
    func editedModelConfigurationsAreOneLineErrors(_ path: [String], _ json: String, _ fragment: String) throws {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        let model = "edited-\(path.joined(separator: "-"))"
        #expect(try train(model, ["--epochs", "1"]).exitCode == 0)
        let manifestURL = directory.url.appendingPathComponent("\(model)/model.json")
        var manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
        var section = try #require(manifest[path[0]] as? [String: Any])
        if path.count == 3 {
            var inner = try #require(section[path[1]] as? [String: Any])
            inner[path[2]] = value
            section[path[1]] = inner
        } else {
            section[path[1]] = value
        }
        manifest[path[0]] = section
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path(model)).sorted()
        let checkpoint = try Data(contentsOf: directory.url.appendingPathComponent("\(model)/checkpoint.safetensors"))
        for result in [
            try CommandRunner.run(["evaluate", "--model", directory.path(model), "--data", directory.path("tiny.ts")]),
            try train(model, ["--epochs", "2", "--resume"]),
        ] {
            #expect(result.exitCode == 1, "\(result.standardError)")
            #expect(result.standardError.contains("model.json"), "\(result.standardError)")
            #expect(result.standardError.contains(fragment), "\(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path(model)).sorted() == files)
        #expect(
            try Data(contentsOf: directory.url.appendingPathComponent("\(model)/checkpoint.safetensors")) == checkpoint)
    }

    /// A checkpoint whose optimizer claims more steps than any run takes is refused on
    /// --resume (Adam's bias correction would overflow at the next step).
    @Test func aCheckpointWithAnImpossibleStepCountIsRefused() throws {
        #expect(try train("many-steps", ["--epochs", "1"]).exitCode == 0)
        let url = directory.url.appendingPathComponent("many-steps/checkpoint.safetensors")
        let file = try SafetensorsFile.read(contentsOf: url)
        var metadata = file.metadata
        metadata["optimizer_step_count"] = String(Int.max)
        try SafetensorsFile(file.names.map { ($0, file[$0]!) }, metadata: metadata, fileName: url.lastPathComponent)
            .write(to: url)
        let result = try train("many-steps", ["--epochs", "2", "--resume"])
        #expect(result.exitCode == 1)
        #expect(
            result.standardError.contains(
                "optimizer state: step count \(Int.max); expected a step count in 0...\(1 << 53)"),
            "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
    }

    /// A field quoted in an error keeps the message on one line: a carriage return or a
    /// vertical tab inside it is printed as an escape, not as a character that breaks the
    /// line or sends a terminal's cursor back over the message.
    @Test(arguments: [
        (
            "carriage-return.ts", "@problemName t\n@classLabel true a b\n@data\n1.0,2\r0,3.0:a\n1.0,2.0:b\n",
            #"dimension 1, step 2 holds '2\r0'; expected a finite number"#
        ),
        ("vertical-tab.conll", "EU\u{B}NNP\n", #"found 1 column ('EU\u{B}NNP')"#),
    ])
    func controlCharactersInAnErrorAreEscaped(_ name: String, _ contents: String, _ fragment: String) throws {
        try contents.write(to: directory.url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        let result = try CommandRunner.run([
            "train", "--train", directory.path(name), "--model", directory.path("never"),
        ])
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains(fragment), "\(result.standardError.debugDescription)")
        #expect(
            result.standardError.unicodeScalars.filter { $0.properties.generalCategory == .control } == ["\n"],
            "\(result.standardError.debugDescription)")
    }

    /// A second run into a directory that a run is writing is refused at once.
    @Test func aDirectoryBeingWrittenIsRefused() throws {
        #expect(try train("busy", ["--epochs", "1"]).exitCode == 0)
        let before = try Data(contentsOf: directory.url.appendingPathComponent("busy/weights.safetensors"))
        let lock = try ModelDirectoryLock(directory.url.appendingPathComponent("busy"))
        let result = try train("busy", ["--epochs", "1", "--hidden-size", "9"])
        #expect(result.exitCode == 1)
        #expect(
            result.standardError.contains("another gru train is writing this model directory"),
            "\(result.standardError)")
        #expect(try Data(contentsOf: directory.url.appendingPathComponent("busy/weights.safetensors")) == before)
        withExtendedLifetime(lock) {}
    }

    /// A file of the model directory's set that is a directory (or a link to one) is refused
    /// before any training, and the directory is left as it was.
    @Test(arguments: ["weights.safetensors", "checkpoint.safetensors", "curve.svg"])
    func aSetFileThatIsADirectoryIsRefusedBeforeTraining(name: String) throws {
        let model = directory.url.appendingPathComponent("blocked-\(name)")
        try FileManager.default.createDirectory(
            at: model.appendingPathComponent(name), withIntermediateDirectories: true)
        let result = try train("blocked-\(name)", ["--epochs", "3"])
        #expect(result.exitCode == 1)
        #expect(
            result.standardError.contains("\(name): is a directory; expected a file that gru train replaces"),
            "\(result.standardError)")
        #expect(!result.standardOutput.contains("epoch 1"), "\(result.standardOutput)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: model.path).filter { !$0.hasPrefix(".") } == [name])

        let linked = directory.url.appendingPathComponent("linked-\(name)")
        try FileManager.default.createDirectory(at: linked, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            at: linked.appendingPathComponent(name), withDestinationURL: model.appendingPathComponent(name))
        let viaLink = try train("linked-\(name)", ["--epochs", "3"])
        #expect(viaLink.exitCode == 1)
        #expect(viaLink.standardError.contains("is a directory"), "\(viaLink.standardError)")
    }

    /// A language model whose weights overflow says so, not that its input is not finite.
    @Test func weightsThatOverflowAreNamed() throws {
        try String(repeating: "the cat sat on the mat. ", count: 40).write(
            to: directory.url.appendingPathComponent("text.txt"), atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(
            [
                "train", "--train", directory.path("text.txt"), "--model", directory.path("lm"), "--epochs", "1",
                "--hidden-size", "8", "--optimizer", "sgd", "--learning-rate", "1e30", "--sequence-length", "16",
            ])
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains("became NaN or infinite at epoch 1"), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("lm")))
    }

    /// The saved data options of the model directory `name`.
    private func savedDataOptions(_ name: String) throws -> [String: Any] {
        let url = directory.url.appendingPathComponent("\(name)/model.json")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return try #require(manifest["dataOptions"] as? [String: Any])
    }

    /// The two settings that were config keys only have flags, which set what the keys do.
    @Test func normalizeAndTargetColumnsAreFlagsAsWellAsKeys() throws {
        #expect(try train("normalized", ["--epochs", "1"]).exitCode == 0)
        #expect(try savedDataOptions("normalized")["normalize"] as? Bool == true)
        #expect(try train("raw-flag", ["--epochs", "1", "--no-normalize"]).exitCode == 0)
        try #"{"normalize": false}"#.write(
            to: directory.url.appendingPathComponent("raw.json"), atomically: true, encoding: .utf8)
        #expect(try train("raw-key", ["--epochs", "1", "--config", directory.path("raw.json")]).exitCode == 0)
        #expect(try savedDataOptions("raw-flag")["normalize"] as? Bool == false)
        #expect(try savedDataOptions("raw-key")["normalize"] as? Bool == false)
        // The flag wins over the file, in either direction.
        #expect(
            try train("renormalized", ["--epochs", "1", "--config", directory.path("raw.json"), "--normalize"]).exitCode
                == 0)
        #expect(try savedDataOptions("renormalized")["normalize"] as? Bool == true)

        let rows = (0..<40).map { "\(sin(0.3 * Double($0))),\(cos(0.2 * Double($0))),\(Double($0 % 5))" }
        try ("a,b,c\n" + rows.joined(separator: "\n") + "\n").write(
            to: directory.url.appendingPathComponent("series.csv"), atomically: true, encoding: .utf8)
        let forecast = try CommandRunner.run(
            [
                "train", "--train", directory.path("series.csv"), "--model", directory.path("forecast"), "--task",
                "forecast",
                "--window", "4", "--hidden-size", "3", "--epochs", "1", "--target-columns", "c,a",
            ])
        #expect(forecast.exitCode == 0, "\(forecast.standardError)")
        #expect(try savedDataOptions("forecast")["targetColumns"] as? [String] == ["c", "a"])
        let empty = try CommandRunner.run(
            [
                "train", "--train", directory.path("series.csv"), "--model", directory.path("never"),
                "--target-columns", "a,,b",
            ])
        #expect(empty.exitCode == 64)
        #expect(empty.standardError.split(separator: "\n").count == 1, "\(empty.standardError)")
    }
}
