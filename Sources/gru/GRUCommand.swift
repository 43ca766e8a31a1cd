import ArgumentParser
import GRUKit

@main
struct GRUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gru",
        abstract: "Build, run and verify gated recurrent unit (GRU) networks."
    )
}
