import GRUNetworks
import Testing

/// Expects `body` to throw a `GRUInputError` of one line that contains every fragment: what
/// was wrong, what was expected and what was found.
func expectInputError(
    _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected an error containing \(fragments)", sourceLocation: sourceLocation)
    } catch let error as GRUInputError {
        for fragment in fragments {
            #expect(error.description.contains(fragment), "\(error.description)", sourceLocation: sourceLocation)
        }
        #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

/// Expects `body` to throw a `GRUInputError` whose one-line message is exactly `message`.
func expectInputError(
    message: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected the error \"\(message)\"", sourceLocation: sourceLocation)
    } catch let error as GRUInputError {
        #expect(error.description == message, sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}
