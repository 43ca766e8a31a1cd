import Foundation

/// An error in a file (or in a tensor or array inside one) that GRUFormats could not read or write.
///
/// The `description` is one line, `subject: problem`, where `subject` names the file (or tensor)
/// and `problem` says what was expected and what was found, for example
/// `weights.safetensors: tensor 'weight_ih_l0' has dtype U8; expected one of F32, F64, F16, BF16,
/// I8, I32, I64`. Command-line tools print it as it is.
public struct FormatError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file, tensor or array the problem is in, as the user named it.
    public let subject: String
    /// What was expected and what was found, without the subject.
    public let problem: String

    /// An error about `subject` (a file path or tensor name) described by `problem`.
    public init(_ subject: String, _ problem: String) {
        self.subject = subject
        self.problem = problem
    }

    /// The one-line message: `subject: problem`.
    public var description: String { "\(subject): \(problem)" }
}

extension FormatError: LocalizedError {
    /// The same one-line message as `description`, so `localizedDescription` shows it too.
    public var errorDescription: String? { description }
}
