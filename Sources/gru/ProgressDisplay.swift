import Foundation
import GRUKit

/// Shows a training run: a live progress bar on a terminal, one plain line per epoch otherwise.
final class ProgressDisplay {
    private let epochs: Int
    private let isTerminal = isatty(STDOUT_FILENO) == 1
    private var epochStart = Date()
    private var lastDraw = Date.distantPast

    init(epochs: Int) {
        self.epochs = epochs
    }

    func describe(_ prepared: TrainingJob.Prepared, processCount: Int = 1) {
        let model = prepared.manifest.model
        let parameters = prepared.trainer.model.parameters.count
        var line = "\(model.task.rawValue): \(prepared.training.count) training sequences"
        if let validation = prepared.validation { line += ", \(validation.count) validation" }
        line += "; GRU \(model.layers)x\(model.hiddenSize)\(model.bidirectional ? " bidirectional" : "")"
        line += " (\(model.variant.rawValue)), \(parameters) parameters"
        if processCount > 1 {
            line +=
                "; \(processCount) processes, each on its share of every batch of \(prepared.manifest.training.batchSize)"
        }
        emitLine(line)
        for report in [prepared.training.skipped, prepared.validation?.skipped].compactMap({ $0 })
        where report.total > 0 {
            emitLine("skipped: \(report)")
        }
        if prepared.trainer.state.epochsCompleted > 0 {
            emitLine("resuming after epoch \(prepared.trainer.state.epochsCompleted)")
        }
    }

    func show(_ event: Trainer.Event) {
        switch event {
        case .batch(let epoch, let batch, let batchCount, let loss, let rate):
            if batch == 1 { epochStart = Date() }
            guard isTerminal, Date().timeIntervalSince(lastDraw) > 0.1 || batch == batchCount else { return }
            lastDraw = Date()
            let width = 24, filled = width * batch / batchCount
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
            let elapsed = Date().timeIntervalSince(epochStart)
            let remaining = elapsed / Double(batch) * Double(batchCount - batch)
            let line =
                "epoch \(epoch)/\(epochs) [\(bar)] \(batch)/\(batchCount) loss \(format(Double(loss))) \(Int(rate)) seq/s ETA \(duration(remaining))"
            emit("\r\u{1B}[K" + line)
        case .epoch(let record):
            if isTerminal { emit("\r\u{1B}[K") }
            var line = "epoch \(record.epoch)/\(epochs)  train loss \(format(record.trainingLoss))"
            if let validation = record.validation {
                for key in ["loss", "accuracy", "macro_f1", "mae", "rmse", "perplexity"] {
                    if let value = validation[key] { line += "  val \(key) \(format(value))" }
                }
            }
            line +=
                "  lr \(format(Double(record.learningRate)))  \(Int(record.sequencesPerSecond)) seq/s  \(String(format: "%.1f", record.seconds)) s"
            if let reduction = record.reductionSeconds, let waiting = record.waitingSeconds {
                line += String(format: " (%.2f s summing gradients, %.2f s waiting for the others)", reduction, waiting)
            }
            emitLine(line)
        case .stopped(let reason):
            emitLine(reason)
        case .checkpoint:
            break
        }
    }

    func finish(_ state: TrainingState, directory: String) {
        if let best = state.bestEpoch, let loss = state.bestLoss {
            emitLine("best epoch \(best): loss \(format(loss))")
        }
        emitLine("model -> \(directory) (weights.safetensors, log.jsonl, curve.svg)")
    }

    /// Writes straight to standard output, unbuffered, so a log file or pipe sees each line
    /// as it happens.
    private func emit(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    private func emitLine(_ text: String) {
        emit(text + "\n")
    }

    private func format(_ value: Double) -> String {
        abs(value) >= 100 ? String(format: "%.1f", value) : String(format: "%.4f", value)
    }

    private func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let total = Int(seconds.rounded())
        return String(format: "%02d:%02d", total / 60, total % 60)
    }
}
