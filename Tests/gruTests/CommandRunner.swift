import Foundation
import Testing

/// Runs the built `gru` executable and captures what a user would see.
struct CommandResult {
    let exitCode: Int32
    let standardOutput: String
    let standardError: String
    /// Standard output as bytes, for data written to /dev/stdout.
    var standardOutputBytes = Data()
}

/// The `gru` binary was not found beside the test bundle.
struct MissingExecutable: Error, CustomStringConvertible {
    var description: String { "the gru executable was not built beside the test bundle" }
}

enum CommandRunner {
    /// The `gru` binary beside the test bundle in the build folder.
    static let executable: URL? = {
        let bundle = Bundle.main.bundleURL
        let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("gru") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Runs `gru` with `arguments`; with a `launcher` (a program and its arguments, such as
    /// taskset), runs the launcher with gru's path and `arguments` after its own. `environment`
    /// adds to (or replaces in) this process's environment.
    static func run(
        _ arguments: [String], launcher: [String] = [], environment: [String: String] = [:]
    ) throws -> CommandResult {
        let process = Process()
        guard let executable else { throw MissingExecutable() }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = launcher.dropFirst() + [executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Read before waiting: a full pipe would block the child.
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(
            exitCode: process.terminationStatus,
            standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errData, as: UTF8.self),
            standardOutputBytes: outData)
    }
}

/// A fresh temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gru-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// A named pipe at `url` that a background thread fills with `data` once a reader opens it,
/// as `<(cat file)` would.
func makePipe(at url: URL, feeding data: Data) -> Bool {
    guard mkfifo(url.path, 0o600) == 0 else { return false }
    Thread {
        let handle = FileHandle(forWritingAtPath: url.path)
        handle?.write(data)
        try? handle?.close()
    }.start()
    return true
}
