import Foundation
import GRUNetworks

/// The one writer of an encoder-decoder directory during a training run, as `CheckpointWriter`
/// is of a one-stack model's: it holds the directory's lock for the run, so that a second
/// `gru train` into the same directory is refused at once instead of leaving one run's
/// vocabularies beside the other's weights.
public final class EncoderDecoderWriter {
    /// The directory written.
    public let directory: EncoderDecoderDirectory
    /// Held while the run lasts: taken here when the directory exists, else by the first save,
    /// which creates it.
    private var lock: ModelDirectoryLock?

    /// Takes `directory` for one run, before anything in it is read (a resumed run's
    /// checkpoint): locks it when it exists.
    ///
    /// - Throws: `FormatError` naming the directory when another run holds the lock.
    public init(directory: EncoderDecoderDirectory) throws {
        self.directory = directory
        if FileManager.default.fileExists(atPath: directory.url.path) {
            lock = try ModelDirectoryLock(directory.url)
        }
    }

    /// Saves one epoch (`EncoderDecoderDirectory.save`); the first save of a new directory
    /// creates and locks it, and when that save fails, leaves no empty directory behind.
    public func save(
        _ model: EncoderDecoderModel, manifest: EncoderDecoderDirectory.Manifest, optimizer: OptimizerState,
        best: EncoderDecoderModel? = nil
    ) throws {
        let creates = lock == nil && !FileManager.default.fileExists(atPath: directory.url.path)
        if lock == nil {
            try directory.createIfNeeded()
            lock = try ModelDirectoryLock(directory.url)
        }
        do {
            try directory.save(model, manifest: manifest, optimizer: optimizer, best: best)
        } catch {
            if creates { rmdir(directory.url.path) }
            throw error
        }
    }
}
