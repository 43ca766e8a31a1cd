import CGateKernels

/// GRUKit's persistent worker threads, for work split across the cores that must join often:
/// a GRU step split by hidden units joins once per time step, every few microseconds.
///
/// A run starts its parts on threads that spin briefly between runs instead of sleeping, and
/// its parts meet at `barrier()`, a spinning barrier, so a join costs well under a
/// microsecond where waking a thread through Dispatch costs tens. One run at a time: a run
/// asked for while another is under way (or from inside one) goes on the caller alone, so a
/// body must split its work by the `parts` it is handed.
public enum ThreadTeam {
    /// The threads a run uses by default: `Matmul.threadCount`.
    public static var defaultParts: Int { Matmul.threadCount }

    /// Runs `body(part, parts)` for every part in 0..<parts, part 0 on the calling thread, and
    /// returns when all are done. `parts` is `requestedParts`, or 1 when the team is busy.
    public static func run(parts requestedParts: Int, _ body: (_ part: Int, _ parts: Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            let task = TeamTask(body: body)
            withExtendedLifetime(task) {
                _ = gru_team_run(requestedParts, { raw, part, parts in
                    Unmanaged<TeamTask>.fromOpaque(raw!)._withUnsafeGuaranteedRef { $0.body(part, parts) }
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
}

/// A run's body, reached by the team's threads through an unretained reference. A class, so
/// that they call the body without touching a reference count: copying the closure out of
/// raw memory retained and released its context on every part, an atomic on a cache line
/// that both cores then wrote (in a profile of one-step streaming at H = 128, 11% of the
/// samples were retains and releases, 5% after).
private final class TeamTask {
    let body: (Int, Int) -> Void
    init(body: @escaping (Int, Int) -> Void) { self.body = body }
}
