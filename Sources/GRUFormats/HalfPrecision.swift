// Conversions from 16-bit floating-point bit patterns to Float, written with bit manipulation
// rather than `Float16`, which is unavailable on macOS x86_64.
//
// IEEE 754 binary16: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits.
// bfloat16: the upper 16 bits of a binary32 (1 sign, 8 exponent, 7 fraction bits).

/// The Float equal to an IEEE 754 binary16 value given by its bits; every half is exact in Float.
///
/// NaN payloads are kept in the top fraction bits, as a hardware conversion does.
func floatFromHalfBits(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1F
    let fraction = UInt32(bits) & 0x3FF
    switch exponent {
    case 0:
        // Zero or subnormal: fraction * 2^-24, which is a normal (or zero) Float.
        let magnitude = Float(fraction) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    case 0x1F:
        // Infinity (fraction 0) or NaN.
        return Float(bitPattern: sign | 0x7F80_0000 | fraction << 13)
    default:
        // Rebias the exponent from 15 to 127 and widen the fraction from 10 to 23 bits.
        return Float(bitPattern: sign | (exponent + 112) << 23 | fraction << 13)
    }
}

/// The Float whose upper 16 bits are the given bfloat16 bits and whose lower 16 bits are zero.
func floatFromBFloat16Bits(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}
