import ArgumentParser
import Foundation
import GRUKit

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a GRU model on a data file and save it in a model directory.",
        discussion: """
            The format follows the file extension (.ts, .csv, .tsv, .conll, .txt, .npy) unless \
            --format names it. Every setting (all flags but --train, --validation, --model, --config and \
            --resume) is also a key of --config FILE.json (snake_case, such as "hidden_size"); \
            flags win over the file. The model directory gets model.json, \
            weights.safetensors (PyTorch names), checkpoint.safetensors (for --resume), log.jsonl \
            and curve.svg, saved as one set after every epoch; an earlier model in the \
            directory stays as it was until the first epoch ends, and one run at a time may \
            write a directory. With --resume, settings given \
            must match the checkpointed run's (only --epochs may differ). --task seq2seq trains \
            the GRU encoder-decoder (Cho et al. 2014, --attention additive for Bahdanau \
            attention, multiplicative for Luong's) on source TAB target lines (--source-tokens, --target-tokens; \
            --source-tokens features reads sources of feature vectors, ';' between steps); it reads \
            --hidden-size, --layers and --bidirectional (the encoder's), --embedding-size, \
            --epochs, --batch-size, the optimizer flags (--optimizer, --learning-rate, --momentum, \
            --nesterov, --weight-decay, --clip-norm, --clip-value, --schedule and its settings), \
            the regularizers (--input-dropout on both embeddings, --layer-dropout between the \
            encoder's layers, --recurrent-dropout, --zoneout and --weight-drop on both GRUs, \
            --output-dropout on the decoder states the head reads, --label-smoothing), \
            --early-stopping (keeping the best epoch's weights), --scheduled-sampling and its --scheduled-sampling-ramp, \
            --seed, --max-length and --validation-fraction, refuses the other settings, and saves \
            a checkpoint for --resume. \
            Under mpirun or srun (a gru built with Open MPI), the job's processes train data \
            parallel: each takes its rows of every --batch-size batch, the gradients are summed \
            every step, and process 0 writes the model directory.
            """
    )

    // MARK: Files
    @Option(help: "Training data.") var train: String
    @Option(help: "Validation data. Default: hold out --validation-fraction of the training data.")
    var validation: String?
    @Option(help: "The model directory to write.") var model: String
    @Option(help: "A JSON file of settings (keys as the flags, snake_case).") var config: String?
    @Flag(help: "Continue the stopped run in --model from its last whole epoch.") var resume = false

    // MARK: Settings, each also a key of --config
    @OptionGroup(title: "Model") var modelFlags: ModelFlags
    @OptionGroup(title: "Optimization") var optimizationFlags: OptimizationFlags
    @OptionGroup(title: "Data") var dataFlags: DataFlags

    /// The settings the flags give.
    var flags: TrainingRecipe {
        TrainingRecipe(model: modelFlags.settings, optimization: optimizationFlags.settings, data: dataFlags.settings)
    }

    func run() throws {
        try reportingErrors {
            try checkPathsNotEmpty([
                ("--train", train), ("--validation", validation), ("--model", model), ("--config", config),
            ])
            let base =
                try config.map { try TrainingRecipe.load(contentsOf: URL(fileURLWithPath: $0)) } ?? TrainingRecipe()
            let recipe = base.overridden(by: flags)
            if recipe.data.task == .seq2seq {
                guard DistributedLaunch.announcedProcessCount <= 1 else { throw SingleProcessTaskError() }
                try trainEncoderDecoder(recipe)
                return
            }
            try DistributedLaunch.withProcessGroup { group in
                let job = TrainingJob(
                    recipe: recipe, trainingFile: URL(fileURLWithPath: train),
                    validationFile: validation.map { URL(fileURLWithPath: $0) },
                    directory: ModelDirectory(URL(fileURLWithPath: model)), resume: resume, group: group)
                let prepared = try job.prepare()
                // Process 0 speaks for the job; the others only report errors.
                guard group.rank == 0 else { return try prepared.run() }
                let progress = ProgressDisplay(epochs: prepared.manifest.training.epochs)
                progress.describe(prepared, processCount: group.size)
                try prepared.run { progress.show($0) }
                progress.finish(prepared.trainer.state, directory: model)
            }
        }
    }

    /// `--task seq2seq`: the encoder-decoder on source TAB target pairs, a line per epoch.
    private func trainEncoderDecoder(_ recipe: TrainingRecipe) throws {
        let job = Seq2SeqTrainingJob(
            recipe: recipe, trainingFile: URL(fileURLWithPath: train),
            validationFile: validation.map { URL(fileURLWithPath: $0) },
            directory: EncoderDecoderDirectory(URL(fileURLWithPath: model)), resume: resume)
        let manifest = try job.run { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        let configuration = manifest.configuration
        print(
            "model -> \(model) (encoder-decoder, \(configuration.attention == .none ? "context vector" : "\(configuration.attention.rawValue) attention"); "
                + "model.json, weights.safetensors, checkpoint.safetensors, log.jsonl, curve.svg)")
    }
}

/// `--task seq2seq` under an MPI launcher: the encoder-decoder trains in one process.
private struct SingleProcessTaskError: Error, CustomStringConvertible {
    var description: String {
        "--task seq2seq trains in one process, not under mpirun or srun; expected one process (the other tasks train "
            + "on several)"
    }
}
