import GRUTensor

/// How one direction's steps are shared across GRUKit's thread team; the team is started once
/// per direction, not per step.
///
/// A batch of at least 8 rows per thread is split by rows, each thread running whole sequences
/// of its own, with no synchronization until the end (its rows never read another thread's);
/// smaller batches (one sequence, streaming) are split by hidden units, thread p computing its
/// panels' units of every h_t from all of h_{t-1}, with one spinning barrier per step.
struct StepSharing {
    /// The threads asked for.
    let parts: Int
    /// Split by batch rows (no barriers) rather than by hidden units.
    let byRows: Bool

    /// Rows get a thread each when every thread has a full block of 8 rows: each then reads
    /// all of W_hh every step, which is cheap next to 8 rows' arithmetic. Units need a step big
    /// enough to pay for a barrier (about a microsecond, some 50,000 operations on one core)
    /// and two 16-unit panels for every thread.
    init(batch: Int, weights: some PanelledRecurrentWeights) {
        let threads = ThreadTeam.defaultParts
        let hidden = weights.hidden
        if threads > 1, batch >= 8 * threads {
            parts = threads
            byRows = true
        } else {
            byRows = false
            parts =
                threads > 1 && 6 * batch * hidden * hidden >= 90_000
                ? max(1, min(threads, weights.sixteenUnitPanelCount / 2)) : 1
        }
    }

    /// How an inference sweep shares its steps: as `init`, except that a batch whose W_hh
    /// (`recurrentValues` floats) is too big for one core's L2 but whose share per thread fits
    /// is split by hidden units. By rows, each thread would stream all of W_hh from L3 every
    /// step; by units, it keeps its half in L2 for a barrier a step (LSTM S2, 1 MB of W_hh on
    /// 1 MB L2s: 5.89 -> 5.60 ms; GRU S2: 3% faster). Training keeps rows: its steps read the
    /// weights twice and write caches, and measured 3-4% slower by units.
    static func forInference(batch: Int, weights: some PanelledRecurrentWeights, recurrentValues: Int) -> StepSharing {
        let sharing = StepSharing(batch: batch, weights: weights)
        let bytes = 4 * recurrentValues, level2 = CacheSizes.level2Bytes
        guard sharing.byRows, 2 * bytes > level2, bytes <= level2 * sharing.parts else { return sharing }
        return StepSharing(parts: min(sharing.parts, max(1, weights.sixteenUnitPanelCount / 2)), byRows: false)
    }

    private init(parts: Int, byRows: Bool) {
        self.parts = parts
        self.byRows = byRows
    }

    /// Part `part`'s rows and panels, of `parts` the team gave.
    func share(part: Int, parts: Int, batch: Int, panelCount: Int) -> (rows: Range<Int>, panels: Range<Int>) {
        byRows
            ? (ThreadTeam.share(of: batch, part: part, parts: parts), 0..<panelCount)
            : (0..<batch, ThreadTeam.share(of: panelCount, part: part, parts: parts))
    }

    /// The barrier the parts meet at after each pass of a step.
    var barrier: StepBarrier { StepBarrier(sharesUnits: !byRows) }
}
