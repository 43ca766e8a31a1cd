import CGateKernels

/// A (3H, K) matrix of GRU weights (W_ih or W_hh, gate blocks r, z, n) in the forward steps'
/// 16-unit panels at a low precision, with a (3H) float bias, and the product that reads it:
///
///     out[b, g H + u] = sum_k W[g H + u, k] x[b, k] + bias[g H + u]
///
/// for some batch rows b, gate blocks g and the units u of some panels (so that threads can
/// share the units). The arithmetic is defined exactly in `quantized_kernels.h`:
/// - bf16: weights and each row of x rounded to bfloat16 operands (nearest, ties to even;
///   magnitudes below 2^-56 zeros), products of pairs of k accumulated in float32 as
///   VDPBF16PS does (the odd k first), four partial sums per output by pair index mod 4.
/// - int8: weights q_w = round(w * 127 / max|w of its row|), scale max / 127 per output row;
///   each row of x quantized the same way on the fly (`QuantizedActivations`), the sum exact in
///   int32, then fma(float(sum), s_w * s_x, bias).
/// Each product has versions for several instruction sets (`QuantizedKernelPath`), which
/// compute the same numbers; `NaiveQuantizedKernels` is the slow twin that computes them too.
///
/// Legend: B rows, K inner size (I or H), H hidden size, P = ceil(H / 16) panels.
public final class QuantizedPanels: @unchecked Sendable {
    /// bf16 or int8.
    public let precision: InferencePrecision
    /// The inner size K.
    public let innerSize: Int
    /// The hidden size H.
    public let hidden: Int
    /// The packed weights: (P, ceil(K / 2), 3, 16, 2) uint16 or (P, ceil(K / 4), 3, 16, 4) int8.
    private let weights: UnsafeMutableRawPointer
    /// (P, 48) the bias, zeros where there is none.
    private let packedBias: AlignedFloats
    /// int8 only: (P, 48) the row scales and the rows' sums of q_w.
    private let packedScales: AlignedFloats?
    private let packedSums: UnsafeMutablePointer<Int32>?

    /// The number of panels P.
    public var panelCount: Int { (hidden + 15) / 16 }

    /// Bytes the packed weights take (the padding of the last panel included).
    public var weightBytes: Int {
        precision == .int8
            ? gru_int8_packed_count(innerSize, hidden) : gru_bf16_packed_count(innerSize, hidden) * 2
    }

    /// Rounds or quantizes `weights` (3H, K) row-major, float values, for `precision` (bf16 or
    /// int8); `bias` (3H) is kept as it is.
    public convenience init(
        precision: InferencePrecision, innerSize: Int, hidden: Int, weights: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?
    ) {
        precondition(precision != .float32, "QuantizedPanels hold bf16 or int8 weights")
        if precision == .int8 {
            let rows = Int8Rows(quantizing: weights, rows: 3 * hidden, columns: innerSize)
            self.init(int8: rows, innerSize: innerSize, hidden: hidden, bias: bias)
        } else {
            self.init(bf16: weights, innerSize: innerSize, hidden: hidden, bias: bias)
        }
    }

    /// int8 weights already quantized (a quantized model file's): `rows` holds q_w (3H, K) and
    /// the (3H) scales.
    public init(int8 rows: Int8Rows, innerSize: Int, hidden: Int, bias: UnsafePointer<Float>?) {
        precondition(rows.rows == 3 * hidden && rows.columns == innerSize, "int8 rows of the wrong shape")
        precision = .int8
        self.innerSize = innerSize
        self.hidden = hidden
        let panels = (hidden + 15) / 16
        let packed = UnsafeMutableRawPointer.allocate(
            byteCount: max(gru_int8_packed_count(innerSize, hidden), 1), alignment: 64)
        let scales = AlignedFloats(count: panels * 48)
        let sums = UnsafeMutablePointer<Int32>.allocate(capacity: panels * 48)
        rows.values.withUnsafeBufferPointer { q in
            rows.scales.withUnsafeBufferPointer { s in
                gru_int8_pack(
                    innerSize, hidden, q.baseAddress!, s.baseAddress!, packed.assumingMemoryBound(to: Int8.self),
                    scales.pointer, sums)
            }
        }
        weights = packed
        packedBias = Self.packBias(hidden: hidden, bias: bias)
        packedScales = scales
        packedSums = sums
    }

    private init(bf16 values: UnsafePointer<Float>, innerSize: Int, hidden: Int, bias: UnsafePointer<Float>?) {
        precision = .bf16
        self.innerSize = innerSize
        self.hidden = hidden
        let count = gru_bf16_packed_count(innerSize, hidden)
        weights = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 2, alignment: 64)
        gru_bf16_pack(innerSize, hidden, values, weights.assumingMemoryBound(to: UInt16.self))
        packedBias = Self.packBias(hidden: hidden, bias: bias)
        packedScales = nil
        packedSums = nil
    }

    private static func packBias(hidden: Int, bias: UnsafePointer<Float>?) -> AlignedFloats {
        let packed = AlignedFloats(count: (hidden + 15) / 16 * 48)
        gru_pack_forward_bias(hidden, bias, packed.pointer)
        return packed
    }

    deinit {
        weights.deallocate()
        packedSums?.deallocate()
    }

    /// The product for `rows` rows of `input` (row stride `inputStride`), gate blocks `gates`
    /// (0..<3, 0..<2 or 2..<3) and the units of `panels`, into `out` (row stride `outStride`);
    /// other columns are left as they are. The rows are quantized (int8) or rounded (bf16) into
    /// `activations` first.
    public func product(
        rows: Int, panels: Range<Int>, gates: Range<Int>, input: UnsafePointer<Float>, inputStride: Int,
        activations: QuantizedActivations, into out: UnsafeMutablePointer<Float>, outStride: Int
    ) {
        precondition(gates == 0..<3 || gates == 0..<2 || gates == 2..<3, "gate blocks \(gates)")
        guard rows > 0, !panels.isEmpty else { return }
        switch precision {
        case .int8:
            activations.quantize(rows: rows, columns: innerSize, input: input, inputStride: inputStride)
            gru_int8_panel_product(
                rows, innerSize, hidden, panels.lowerBound, panels.upperBound, gates.lowerBound, gates.count,
                weights.assumingMemoryBound(to: Int8.self), packedScales!.pointer, packedSums!, packedBias.pointer,
                activations.levels, activations.scales, out, outStride)
        default:
            activations.roundToBF16(rows: rows, columns: innerSize, input: input, inputStride: inputStride)
            gru_bf16_panel_product(
                rows, innerSize, hidden, panels.lowerBound, panels.upperBound, gates.lowerBound, gates.count,
                weights.assumingMemoryBound(to: UInt16.self), packedBias.pointer, activations.bf16Values, out,
                outStride)
        }
    }

    /// One reset-after GRU step of one sequence on int8 `input` (W_ih, b_ih) and `recurrent`
    /// (W_hh, b_hh) panels, for the units of `panels`: h_t into `state` from x_t (`input`'s
    /// inner size) and h_{t-1} (`previous`), quantized into `inputActivations` and
    /// `stateActivations`. The same floats as both `product`s followed by the reset-after
    /// gates (`gru_reset_after_gates_from_products`), the products kept in registers; only on
    /// the AVX512-VNNI version. Returns false, having done nothing, elsewhere.
    package static func resetAfterStreamingStep(
        input: QuantizedPanels, recurrent: QuantizedPanels, panels: Range<Int>, x: UnsafePointer<Float>,
        previous: UnsafePointer<Float>, inputActivations: QuantizedActivations,
        stateActivations: QuantizedActivations, state: UnsafeMutablePointer<Float>
    ) -> Bool {
        precondition(input.precision == .int8 && recurrent.precision == .int8, "int8 panels")
        guard !panels.isEmpty else { return true }
        guard QuantizedKernelPath.running(.int8) == .avx512 else { return false }
        let hidden = recurrent.hidden
        inputActivations.quantize(rows: 1, columns: input.innerSize, input: x, inputStride: input.innerSize)
        stateActivations.quantize(rows: 1, columns: hidden, input: previous, inputStride: hidden)
        return gru_int8_reset_after_stream_step(
            input.innerSize, hidden, panels.lowerBound, panels.upperBound,
            input.weights.assumingMemoryBound(to: Int8.self), input.packedScales!.pointer, input.packedSums!,
            input.packedBias.pointer, recurrent.weights.assumingMemoryBound(to: Int8.self),
            recurrent.packedScales!.pointer, recurrent.packedSums!, recurrent.packedBias.pointer,
            inputActivations.levels, inputActivations.scales[0], stateActivations.levels, stateActivations.scales[0],
            previous, state)
    }

    /// Which kernel runs the products of `precision` here, for benchmark reports.
    public static func kernelName(of precision: InferencePrecision) -> String {
        let portable = "portable (" + KernelReport.instructionSet + ")"
        switch precision {
        case .float32: return "float32 " + KernelReport.instructionSet
        case .bf16: return QuantizedKernelPath.running(.bf16) == .avx512 ? "bf16 AVX512-BF16" : "bf16 " + portable
        case .int8:
            switch QuantizedKernelPath.running(.int8) {
            case .avx512: return "int8 AVX512-VNNI"
            case .avx2: return "int8 AVX2"
            case .portable: return "int8 " + portable
            }
        }
    }
}
