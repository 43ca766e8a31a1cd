import CGateKernels
import GRUTensor

/// A GRU direction's inference steps on low-precision weights (`QuantizedGRUWeights`),
/// keeping no caches. Each step multiplies into float buffers first (`QuantizedPanels`), then
/// applies the gates (`product_gate_kernels.h`): the same gates as the float32 steps, which
/// keep the products in registers instead.
///
/// Threads share every step by 16-unit panels: each projects the whole sequence's input onto
/// its panels first, then, each step, quantizes (int8) or rounds (bf16) all of h_{t-1} for
/// itself, multiplies its panels and writes its units of h_t, and meets the others at a
/// barrier (reset-before at two: every unit's r * h comes before any candidate).
///
/// Legend: T steps, B batch, I input size, H hidden size.
enum QuantizedGRUSweep {
    /// The threads for a direction of `batch` rows: as `StepSharing` shares by units, a step
    /// big enough to pay for a barrier and two panels a thread.
    static func parts(batch: Int, hidden: Int) -> Int {
        let threads = ThreadTeam.defaultParts
        let panels = (hidden + 15) / 16
        return threads > 1 && 6 * batch * hidden * hidden >= 90_000 ? max(1, min(threads, panels / 2)) : 1
    }

    /// Runs all steps of one direction.
    ///
    /// - Parameters:
    ///   - input: (T*B, I) the direction's input, by time, row stride `inputStride`.
    ///   - state: (B, H) the initial state on entry, the final state on return.
    ///   - output: where row b of time t's output goes: output + (t B + b) outputStride.
    static func run(
        variant: GRUVariant, weights: QuantizedGRUWeights, steps: Int, batch: Int, reverse: Bool,
        lengths: UnsafePointer<Int>, input: UnsafePointer<Float>, inputStride: Int, workspace: QuantizedWorkspace,
        state: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>?, outputStride: Int
    ) {
        let hidden = weights.hidden, width = 3 * hidden
        let parts = parts(batch: batch, hidden: hidden)
        workspace.reserve(steps: steps, batch: batch, inputSize: weights.inputSize, hidden: hidden, parts: parts)
        let w = workspace
        let inputProjection = w.inputProjection.pointer, hiddenProjection = w.hiddenProjection.pointer
        let spare = w.spare.pointer, resetState = w.resetState.pointer, update = w.update.pointer
        let panelCount = weights.recurrent.panelCount
        ThreadTeam.run(parts: parts) { part, parts in
            let panels = ThreadTeam.share(of: panelCount, part: part, parts: parts)
            let units = min(16 * panels.lowerBound, hidden)..<min(16 * panels.upperBound, hidden)
            let activations = w.activations[part]
            // A streaming step of the reset-after GRU on VNNI: both products and the gates in
            // one kernel, the products never leaving registers.
            if variant == .resetAfter, steps == 1, batch == 1, lengths[0] >= 1, weights.precision == .int8,
                QuantizedPanels.resetAfterStreamingStep(
                    input: weights.input, recurrent: weights.recurrent, panels: panels, x: input, previous: state,
                    inputActivations: activations, stateActivations: w.stateActivations[part], state: spare)
            {
                if let output { (output + units.lowerBound).update(from: spare + units.lowerBound, count: units.count) }
                return
            }
            weights.input.product(
                rows: steps * batch, panels: panels, gates: 0..<3, input: input, inputStride: inputStride,
                activations: activations, into: inputProjection, outStride: width)
            var previous = state, next = spare
            for step in 0..<steps {
                let time = reverse ? steps - 1 - step : step
                let gx = inputProjection + time * batch * width
                let out = output.map { $0 + time * batch * outputStride }
                if variant == .resetAfter {
                    weights.recurrent.product(
                        rows: batch, panels: panels, gates: 0..<3, input: previous, inputStride: hidden,
                        activations: activations, into: hiddenProjection, outStride: width)
                    gru_reset_after_gates_from_products(
                        batch, hidden, units.lowerBound, units.upperBound, time, lengths, gx, width, hiddenProjection,
                        previous, next, out, outputStride)
                } else {
                    weights.recurrent.product(
                        rows: batch, panels: panels, gates: 0..<2, input: previous, inputStride: hidden,
                        activations: activations, into: hiddenProjection, outStride: width)
                    gru_reset_before_gates_from_products(
                        batch, hidden, units.lowerBound, units.upperBound, time, lengths, gx, width, hiddenProjection,
                        previous, resetState, update)
                    ThreadTeam.barrier()
                    weights.recurrent.product(
                        rows: batch, panels: panels, gates: 2..<3, input: resetState, inputStride: hidden,
                        activations: activations, into: hiddenProjection, outStride: width)
                    gru_reset_before_candidate_from_products(
                        batch, hidden, units.lowerBound, units.upperBound, time, lengths, gx, width, hiddenProjection,
                        update, previous, next, out, outputStride)
                }
                // The next step reads every unit of h_t; after the last, the team's join waits.
                if step + 1 < steps { ThreadTeam.barrier() }
                swap(&previous, &next)
            }
        }
        if steps % 2 == 1 { state.update(from: spare, count: batch * hidden) }
    }
}

/// The buffers of `QuantizedGRUSweep`, sized for the largest call so far: no step allocates.
final class QuantizedWorkspace: @unchecked Sendable {
    private(set) var inputProjection = ScratchBuffer(count: 0)  // (T*B, 3H)
    private(set) var hiddenProjection = ScratchBuffer(count: 0)  // (B, 3H)
    private(set) var spare = ScratchBuffer(count: 0)  // (B, H)
    private(set) var resetState = ScratchBuffer(count: 0)  // (B, H) reset-before's r * h
    private(set) var update = ScratchBuffer(count: 0)  // (B, H) reset-before's z
    /// One per part: each quantizes or rounds the rows it reads itself.
    private(set) var activations: [QuantizedActivations] = []
    /// One per part: h_{t-1} of a fused streaming step, beside x_t in `activations`.
    private(set) var stateActivations: [QuantizedActivations] = []

    /// The sizes of the last `reserve`: a streaming session asks for the same every step.
    @exclusivity(unchecked) private var reserved: (steps: Int, batch: Int, inputSize: Int, hidden: Int, parts: Int)?

    func reserve(steps: Int, batch: Int, inputSize: Int, hidden: Int, parts: Int) {
        if let reserved, reserved == (steps, batch, inputSize, hidden, parts) { return }
        reserved = (steps, batch, inputSize, hidden, parts)
        func grown(_ buffer: ScratchBuffer, _ count: Int) -> ScratchBuffer {
            buffer.count >= count ? buffer : ScratchBuffer(uninitializedCount: count)
        }
        inputProjection = grown(inputProjection, steps * batch * 3 * hidden)
        hiddenProjection = grown(hiddenProjection, batch * 3 * hidden)
        spare = grown(spare, batch * hidden)
        resetState = grown(resetState, batch * hidden)
        update = grown(update, batch * hidden)
        while activations.count < max(parts, 1) { activations.append(QuantizedActivations()) }
        while stateActivations.count < max(parts, 1) { stateActivations.append(QuantizedActivations()) }
        for room in activations + stateActivations {
            room.reserve(rows: steps * batch, columns: max(inputSize, hidden))
        }
    }
}
