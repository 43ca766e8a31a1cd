import CGateKernels

/// bfloat16 rounding for low-precision weights: the nearest bfloat16 of a finite float, ties to
/// even, as the bf16 packing of `QuantizedPanels` rounds.
public enum BFloat16 {
    /// The bfloat16 nearest `value`, as a float (its low 16 bits zero).
    public static func rounded(_ value: Float) -> Float {
        gru_float_from_bf16(gru_bf16_from_float(value))
    }
}
