import Foundation

/// The one writer of a model directory during a training run: it holds the directory's lock
/// for the run, and saves each epoch's checkpoint with the configuration as one set (see
/// `ModelDirectory.saveEpoch`). The trainer only reports epochs (`Trainer.Event.checkpoint`).
public final class CheckpointWriter {
    /// The directory written.
    public let directory: ModelDirectory
    /// Held while the run lasts: taken here when the directory exists, else by the first save,
    /// which creates it.
    private var lock: ModelDirectoryLock?

    /// Takes `directory` for one run, before anything in it is read: locks it when it exists
    /// (another run writing it would interleave its files), finishes a save that a crash
    /// interrupted, and checks that the set's files can be replaced.
    ///
    /// - Throws: `FormatError` naming the directory or file when another run holds the lock,
    ///   or a file of the set is a directory.
    public init(directory: ModelDirectory) throws {
        self.directory = directory
        if FileManager.default.fileExists(atPath: directory.url.path) {
            lock = try ModelDirectoryLock(directory.url)
            try directory.finishInterruptedSave()
        }
        try directory.checkSetIsReplaceable()
    }

    /// Saves one epoch's checkpoint, the weights users load, the log and the curve titled
    /// `title`, and `manifest` (when given; nil leaves model.json as it is), as one set; the
    /// first save of a new directory creates and locks it.
    ///
    /// The configuration is written with the first epoch's checkpoint, not before: a run that
    /// fails or is stopped before then leaves a directory that holds an earlier model as it was.
    public func save(_ checkpoint: TrainingCheckpoint, manifest: ModelDirectory.Manifest?, title: String) throws {
        let creates = lock == nil && !FileManager.default.fileExists(atPath: directory.url.path)
        if lock == nil {
            try directory.createIfNeeded()
            lock = try ModelDirectoryLock(directory.url)
        }
        do {
            try directory.saveEpoch(checkpoint, manifest: manifest, title: title)
        } catch {
            // A first save that fails (a full disk) leaves no empty directory behind.
            if creates { rmdir(directory.url.path) }
            throw error
        }
    }
}
