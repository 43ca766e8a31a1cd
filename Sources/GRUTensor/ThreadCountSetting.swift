import CGateKernels
import Foundation

/// The thread count a user asks for in the environment, as PyTorch's users do with
/// `torch.set_num_threads` or OMP_NUM_THREADS: GRUKIT_NUM_THREADS, a whole number from 1 to
/// 16 (the thread team's capacity), of which GRUKit takes at most the cores the process may use
/// (`Matmul.threadCount`). Unset, GRUKit uses those cores, at most 8 (`AvailableCores`). Useful
/// where several GRUKit processes share a machine, or the process has other work on its cores.
/// `ThreadTeam.withParts` sets the count for a scope of code instead, cores or not.
public enum ThreadCountSetting {
    /// The environment variable's name.
    public static let variable = "GRUKIT_NUM_THREADS"
    /// The most threads the team runs (thread_team.h's GRU_TEAM_CAPACITY).
    public static let maximum = Int(GRU_TEAM_CAPACITY)

    /// The count this process's environment asks for; nil when the variable is unset or blank.
    /// A value that `parse` refuses counts as unset here (the `gru` command refuses it with a
    /// message before it runs).
    public static let requested: Int? = try? requestedCount(in: ProcessInfo.processInfo.environment).get()

    /// The count `environment` asks for: nil when the variable is unset or blank, else what
    /// `parse` makes of it.
    public static func requestedCount(in environment: [String: String]) -> Result<Int?, ThreadCountError> {
        guard let text = environment[variable], !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            return .success(nil)
        }
        return parse(text).map { $0 }
    }

    /// The thread count `text` names, or a message saying what was expected.
    public static func parse(_ text: String) -> Result<Int, ThreadCountError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let count = Int(trimmed), (1...maximum).contains(count) else {
            return .failure(
                ThreadCountError(
                    description: "\(variable) is '\(text)'; expected a whole number from 1 to \(maximum)"))
        }
        return .success(count)
    }
}

/// A GRUKIT_NUM_THREADS value that is not a thread count.
public struct ThreadCountError: Error, CustomStringConvertible, Equatable {
    /// The one-line message naming the variable, its value and what it takes.
    public let description: String
}
