import GRUTensor

/// Runs a bidirectional layer's two directions at once, one thread each, when one direction
/// alone would not keep the cores busy without a barrier every step: a batch too small to
/// share by rows (see `StepSharing`). The directions are independent until the layer's
/// output is complete, so they need no synchronization at all.
enum DirectionScheduling {
    /// Whether `run` runs two directions of this batch on two threads.
    static func runsConcurrently(directions: Int, batch: Int) -> Bool {
        let threads = ThreadTeam.defaultParts
        return directions == 2 && threads >= 2 && batch < 8 * threads
    }

    /// Calls `body` for every direction: both at once when `runsConcurrently`, otherwise one
    /// after the other. Work `body` splits across the team (matrix products, steps) goes on
    /// its own thread when the directions run at once.
    static func run(directions: Int, batch: Int, _ body: (_ direction: Int) -> Void) {
        guard runsConcurrently(directions: directions, batch: batch) else {
            for direction in 0..<directions { body(direction) }
            return
        }
        ThreadTeam.run(parts: 2) { part, parts in
            if parts == 2 {
                body(part)
            } else {
                for direction in 0..<directions { body(direction) }
            }
        }
    }
}
