import GRUTestSupport
import Testing

@testable import GRUFormats

@Suite("Half precision", .tags(.unit))
struct HalfPrecisionTests {
    #if !(os(macOS) && arch(x86_64))
    @Test("floatFromHalfBits agrees with Float16 on all 65536 bit patterns")
    func allHalves() {
        var mismatches: [UInt16] = []
        for bits in 0...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let actual = floatFromHalfBits(bits)
            let same = expected.isNaN ? actual.isNaN : expected.bitPattern == actual.bitPattern
            if !same { mismatches.append(bits) }
        }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5))")
    }
    #endif

    @Test("known halves: 1, -2, largest, smallest subnormal, -0, infinity, NaN")
    func knownHalves() {
        #expect(floatFromHalfBits(0x3C00) == 1)
        #expect(floatFromHalfBits(0xC000) == -2)
        #expect(floatFromHalfBits(0x7BFF) == 65504)
        #expect(floatFromHalfBits(0x0001) == 0x1p-24)
        #expect(floatFromHalfBits(0x03FF) == 1023 * 0x1p-24)
        #expect(floatFromHalfBits(0x8000).bitPattern == (-0.0 as Float).bitPattern)
        #expect(floatFromHalfBits(0x7C00) == .infinity)
        #expect(floatFromHalfBits(0x7E00).isNaN)
    }

    @Test("bfloat16 is the upper half of a Float")
    func bfloat16() {
        #expect(floatFromBFloat16Bits(0x3F80) == 1)
        #expect(floatFromBFloat16Bits(0xC000) == -2)
        #expect(floatFromBFloat16Bits(0x7F80) == .infinity)
        #expect(floatFromBFloat16Bits(0x0001) == Float(bitPattern: 0x0001_0000))
    }
}
