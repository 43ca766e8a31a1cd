/// A user-supplied file, tensor or setting that does not fit: wrong shape, missing or extra
/// weights, lengths out of range, non-finite values, settings out of range.
///
/// The description is one line composed here and nowhere else: the subject, what was found and
/// what was expected, as `input: shape [5, 2, 2]; expected (T, B, 3)`, with the file the subject
/// is in first when it is known (`located(in:)`): `w.safetensors: weight_ih_l0: ...`.
public struct GRUInputError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What the problem is in.
    public enum Subject: Equatable, Sendable, CustomStringConvertible {
        /// A file, by its path as the user gave it.
        case file(String)
        /// A tensor or array, by its name or role: `weight_ih_l0`, `input`, `lengths`.
        case tensor(String)
        /// A setting or a group of settings: `--top-k`, `training options`.
        case setting(String)

        /// The subject as a message starts with it: the path, name or setting as given.
        public var description: String {
            switch self {
            case .file(let name), .tensor(let name), .setting(let name): return name
            }
        }
    }

    /// The file, tensor or setting the problem is in.
    public let subject: Subject
    /// The file that holds `subject`, when the subject is a tensor or setting read from one.
    public let file: String?
    /// What was found, without the subject: `shape [5, 2, 2]`; empty when saying what was
    /// expected is enough.
    public let found: String
    /// What was expected: `(T, B, 3)`.
    public let expected: String

    /// An error about `subject`: `found` is what it holds, `expected` what it should.
    public init(_ subject: Subject, found: String, expected: String) {
        self.init(subject: subject, file: nil, found: found, expected: expected)
    }

    private init(subject: Subject, file: String?, found: String, expected: String) {
        self.subject = subject
        self.file = file
        self.found = found
        self.expected = expected
    }

    /// This error as one about the contents of `file`: the message starts with the path. An
    /// error that already names a file keeps it.
    public func located(in file: String) -> GRUInputError {
        if self.file != nil || subject == .file(file) { return self }
        if case .file = subject { return self }
        return GRUInputError(subject: subject, file: file, found: found, expected: expected)
    }

    /// The one-line message: `file: subject: found; expected expected`, the file when known and
    /// `found` when not empty.
    public var description: String {
        let problem = (found.isEmpty ? "" : found + "; ") + "expected " + expected
        return ([file, subject.description].compactMap { $0 } + [problem]).joined(separator: ": ")
    }
}
