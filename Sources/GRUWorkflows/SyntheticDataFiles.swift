import Foundation
import GRUFormats
import GRUTensor
import GRUTraining

extension SyntheticSequences {
    /// Writes X.npy and y.npy into `directory` (made when missing), together or not at all:
    /// the directory `gru train --data DIR --task <task>` reads.
    ///
    /// - Throws: `FormatError` when the directory cannot be made or a file cannot be written.
    public func write(to directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw FormatError(directory.path, "cannot make the directory (\(error.localizedDescription))")
        }
        let targetsData: Data
        switch targets {
        case .values(let values): targetsData = Npy.encode(Tensor(shape: [values.count], scalars: values))
        case .stepClasses(let classes, let shape): targetsData = Npy.encodeIntegers(classes, shape: shape)
        }
        try writeAtomically([
            (Npy.encode(inputs), directory.appendingPathComponent("X.npy")),
            (targetsData, directory.appendingPathComponent("y.npy")),
        ])
    }
}
