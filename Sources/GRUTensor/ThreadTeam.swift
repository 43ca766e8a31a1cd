import CGateKernels

/// GRUKit's persistent worker threads, for work split across the cores that must join often:
/// a GRU step split by hidden units joins once per time step, every few microseconds.
///
/// A run starts its parts on threads that spin briefly between runs instead of sleeping, and
/// its parts meet at `barrier()`, a spinning barrier, so a join costs well under a
/// microsecond where waking a thread through Dispatch costs tens. One run at a time: a run
/// asked for from inside another goes on the caller alone, and so does one asked for while
/// another thread's run is under way, outside `withParts`; a body must split its work by the
/// `parts` it is handed.
public enum ThreadTeam {
    /// The threads a run uses by default: the count of the innermost `withParts` around the
    /// caller, else `Matmul.threadCount`. The same on every part of a run.
    public static var defaultParts: Int { forcedParts ?? Matmul.threadCount }

    /// The count `withParts` forces on the caller, nil outside it; looked up only while some
    /// scope is open somewhere in the process.
    private static var forcedParts: Int? { gru_team_has_forced_scopes() ? forcedPartsInTask : nil }

    /// The count `withParts` forces, nil outside it. Task-local, so that a scope forced in one
    /// task (one test, say) leaves the tasks and threads running beside it alone.
    @TaskLocal private static var forcedPartsInTask: Int?

    /// Runs `body` with `defaultParts` (and so every split GRUKit makes: products, steps,
    /// directions) set to `parts`, in 1...`ThreadCountSetting.maximum`, which may exceed the
    /// cores: more parts than cores give the same results, only slower.
    ///
    /// Within it, a run waits for the team when another thread's run holds it, rather than
    /// go on its caller alone, so the split it asks for really happens; a run from inside a
    /// run still goes on its caller alone. The setting holds in the task that calls this and
    /// in the parts of its runs, not in tasks or threads it starts otherwise.
    public static func withParts<Result>(_ parts: Int, _ body: () throws -> Result) rethrows -> Result {
        precondition(
            (1...ThreadCountSetting.maximum).contains(parts),
            "ThreadTeam.withParts(\(parts)): expected 1 to \(ThreadCountSetting.maximum) parts")
        gru_team_enter_forced_scope()
        defer { gru_team_leave_forced_scope() }
        return try $forcedPartsInTask.withValue(parts, operation: body)
    }

    /// Runs `body(part, parts)` for every part in 0..<parts, part 0 on the calling thread, and
    /// returns `parts` when all are done: `requestedParts` (at most
    /// `ThreadCountSetting.maximum`), or 1 from inside a run or when the team was busy (see
    /// `withParts`).
    @discardableResult
    public static func run(parts requestedParts: Int, _ body: (_ part: Int, _ parts: Int) -> Void) -> Int {
        // A run of one part goes on the caller, who sees its own forced count: no look-up.
        let forced = requestedParts > 1 ? forcedParts : nil
        return withoutActuallyEscaping(body) { body in
            let task = TeamTask(body: body, forcedParts: forced)
            return withExtendedLifetime(task) {
                gru_team_run(
                    requestedParts, forced != nil,
                    { raw, part, parts in
                        Unmanaged<TeamTask>.fromOpaque(raw!)._withUnsafeGuaranteedRef {
                            $0.run(part: part, parts: parts)
                        }
                    }, Unmanaged.passUnretained(task).toOpaque())
            }
        }
    }

    /// Waits until every part of the current run has arrived; every part must call it the
    /// same number of times. A no-op in a run of one part.
    @inline(__always)
    public static func barrier() {
        gru_team_barrier()
    }

    /// The part of `count` items that part `part` of `parts` takes: nearly equal, contiguous.
    @inline(__always)
    public static func share(of count: Int, part: Int, parts: Int) -> Range<Int> {
        (count * part / parts)..<(count * (part + 1) / parts)
    }

    /// A run's body, reached by the team's threads through an unretained reference. A class,
    /// so that they call the body without touching a reference count: copying the closure out
    /// of raw memory retained and released its context on every part, an atomic on a cache
    /// line that both cores then wrote (in a profile of one-step streaming at H = 128, 11% of
    /// the samples were retains and releases, 5% after).
    private final class TeamTask {
        let body: (Int, Int) -> Void
        /// The caller's `withParts` count, which the parts on the team's threads see too: a
        /// body that sizes its work by `defaultParts` sizes it alike on every part.
        let forcedParts: Int?

        init(body: @escaping (Int, Int) -> Void, forcedParts: Int?) {
            self.body = body
            self.forcedParts = forcedParts
        }

        @inline(__always)
        func run(part: Int, parts: Int) {
            if part != 0, let forcedParts {
                ThreadTeam.$forcedPartsInTask.withValue(forcedParts) { body(part, parts) }
            } else {
                body(part, parts)
            }
        }
    }
}
