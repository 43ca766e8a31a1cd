import GRUTensor
import GRUTestSupport
import Testing

/// The low-precision products against `NaiveQuantizedKernels`, equal bit for bit, in every
/// version this processor has (int8: AVX512-VNNI, AVX2, portable; bf16: AVX512-BF16,
/// portable): whole and partial panels, odd inner sizes and every remainder of 4 (k groups,
/// bf16 pairs), every row-block remainder, the gate ranges the steps use, other panels'
/// columns untouched, and bf16 operands about 2^-56, where rounding makes zeros and
/// VDPBF16PS would flush tiny values. Then the int8 product against the float product within
/// the bound its scales give, the int8 round trip of representable rows, and bf16's ties to
/// even and smallest operands.
@Suite(.tags(.unit))
struct QuantizedPanelsTests {
    static let sizes: [(rows: Int, inner: Int, hidden: Int)] = [
        (1, 1, 5), (1, 4, 16), (2, 7, 40), (3, 64, 33), (9, 13, 128), (17, 130, 20), (8, 5, 48),
    ]

    /// Weights, bias and rows of x for a size, the rows at a wider stride.
    static func operands(_ size: (rows: Int, inner: Int, hidden: Int)) -> (
        weights: [Float], bias: [Float], input: [Float], strided: [Float], stride: Int
    ) {
        var generator = SeededGenerator(seed: UInt64(31 * size.inner + size.hidden + 1000 * size.rows))
        let weights = (0..<(3 * size.hidden * size.inner)).map { _ in generator.uniform(-0.5, 0.5) }
        let bias = (0..<(3 * size.hidden)).map { _ in generator.uniform(-0.2, 0.2) }
        let input = (0..<(size.rows * size.inner)).map { _ in generator.uniform(-1, 1) }
        let stride = size.inner + 3
        var strided = [Float](repeating: 7, count: size.rows * stride)
        for b in 0..<size.rows {
            for k in 0..<size.inner { strided[b * stride + k] = input[b * size.inner + k] }
        }
        return (weights, bias, input, strided, stride)
    }

    /// `panels`' product, one panel at a time in the given order, over a buffer of 9s.
    static func product(
        _ panels: QuantizedPanels, rows: Int, gates: Range<Int>, order: [Int], input: [Float], stride: Int
    ) -> [Float] {
        var out = [Float](repeating: 9, count: rows * 3 * panels.hidden)
        let activations = QuantizedActivations()
        for p in order {
            panels.product(
                rows: rows, panels: p..<(p + 1), gates: gates, input: input, inputStride: stride,
                activations: activations, into: &out, outStride: 3 * panels.hidden)
        }
        return out
    }

    /// The naive result where `gates` and `units` cover a column, 9 elsewhere.
    static func expectSameColumns(
        _ result: [Float], _ naive: [Float], rows: Int, hidden: Int, gates: Range<Int>, units: Range<Int>,
        _ label: String
    ) {
        var mismatches = 0
        for b in 0..<rows {
            for gate in 0..<3 {
                for unit in 0..<hidden {
                    let index = b * 3 * hidden + gate * hidden + unit
                    let expected = gates.contains(gate) && units.contains(unit) ? naive[index] : 9
                    if result[index].bitPattern != expected.bitPattern { mismatches += 1 }
                }
            }
        }
        #expect(mismatches == 0, "\(label): \(mismatches) values differ from the naive twin's")
    }

    @Test(arguments: sizes)
    func int8ProductEqualsTheNaiveTwin(size: (rows: Int, inner: Int, hidden: Int)) {
        let (rows, inner, hidden) = size
        let (weights, bias, input, strided, stride) = Self.operands(size)
        let quantized = weights.withUnsafeBufferPointer {
            Int8Rows(quantizing: $0.baseAddress!, rows: 3 * hidden, columns: inner)
        }
        let panels = QuantizedPanels(int8: quantized, innerSize: inner, hidden: hidden, bias: bias)
        let naive = NaiveQuantizedKernels.int8Product(weights: quantized, bias: bias, input: input, rows: rows)
        let panelCount = panels.panelCount
        for path in QuantizedKernelPath.available(.int8) {
            func run(_ gates: Range<Int>, _ order: [Int]) -> [Float] {
                QuantizedKernelPath.with(path, for: .int8) {
                    Self.product(panels, rows: rows, gates: gates, order: order, input: strided, stride: stride)
                }
            }
            for gates in [0..<3, 0..<2, 2..<3] {
                Self.expectSameColumns(
                    run(gates, Array((0..<panelCount).reversed())), naive, rows: rows, hidden: hidden, gates: gates,
                    units: 0..<hidden, "int8 \(path), gates \(gates)")
            }
            Self.expectSameColumns(
                run(0..<3, [0]), naive, rows: rows, hidden: hidden, gates: 0..<3, units: 0..<min(16, hidden),
                "int8 \(path), the first panel only")
        }
    }

    /// `weights` and `input` of `size` through every bf16 version against the twin, the rows
    /// at a wider stride.
    static func expectBF16EqualsTheNaiveTwin(
        _ size: (rows: Int, inner: Int, hidden: Int), weights: [Float], bias: [Float], input: [Float],
        _ label: String
    ) {
        let (rows, inner, hidden) = size
        let panels = QuantizedPanels(precision: .bf16, innerSize: inner, hidden: hidden, weights: weights, bias: bias)
        let naive = NaiveQuantizedKernels.bf16Product(
            weights: weights, bias: bias, input: input, rows: rows, columns: inner)
        let stride = inner + 3
        var strided = [Float](repeating: 7, count: rows * stride)
        for b in 0..<rows {
            for k in 0..<inner { strided[b * stride + k] = input[b * inner + k] }
        }
        for path in QuantizedKernelPath.available(.bf16) {
            for gates in [0..<3, 0..<2, 2..<3] {
                let result = QuantizedKernelPath.with(path, for: .bf16) {
                    Self.product(
                        panels, rows: rows, gates: gates, order: Array((0..<panels.panelCount).reversed()),
                        input: strided, stride: stride)
                }
                Self.expectSameColumns(
                    result, naive, rows: rows, hidden: hidden, gates: gates, units: 0..<hidden,
                    "bf16 \(path), \(label), gates \(gates)")
            }
        }
        #expect(panels.weightBytes == (hidden + 15) / 16 * 48 * ((inner + 1) / 2 * 2) * 2)
    }

    @Test(arguments: sizes)
    func bf16ProductEqualsTheNaiveTwin(size: (rows: Int, inner: Int, hidden: Int)) {
        let (weights, bias, input, _, _) = Self.operands(size)
        Self.expectBF16EqualsTheNaiveTwin(size, weights: weights, bias: bias, input: input, "uniform")
    }

    /// Weights and activations from 2^-70 to 2^-40 (denormals, zeros and 2^-56 itself among
    /// them), some products below 2^-126, and sums that cancel: where VDPBF16PS's denormal
    /// handling would show if an operand below 2^-56 survived rounding.
    @Test(arguments: [(2, 7, 20), (3, 13, 33), (1, 130, 16)])
    func bf16ProductEqualsTheNaiveTwinOnTinyOperands(rows: Int, inner: Int, hidden: Int) {
        var generator = SeededGenerator(seed: UInt64(7 * inner + hidden))
        func tiny() -> Float {
            switch Int(generator.uniform(0, 8)) {
            case 0: return 0
            case 1: return Float.leastNonzeroMagnitude * generator.uniform(-100, 100)
            case 2: return generator.uniform(-1, 1) > 0 ? 0x1p-56 : -0x1p-56
            case 3: return generator.uniform(-1, 1)
            default:
                return Float(
                    sign: generator.uniform(-1, 1) > 0 ? .plus : .minus,
                    exponent: Int(generator.uniform(-70, -40)), significand: generator.uniform(1, 2))
            }
        }
        let weights = (0..<(3 * hidden * inner)).map { _ in tiny() }
        let bias = (0..<(3 * hidden)).map { _ in tiny() }
        let input = (0..<(rows * inner)).map { _ in tiny() }
        Self.expectBF16EqualsTheNaiveTwin(
            (rows, inner, hidden), weights: weights, bias: bias, input: input, "tiny operands")
    }

    /// |w x - w' x'| <= |w| |x - x'| + |w - w'| |x'| with |w - w'| <= s_w / 2 and
    /// |x - x'| <= s_x / 2, summed over k, plus float rounding.
    @Test func int8ProductStaysWithinTheBoundOfItsScales() {
        let size = (rows: 4, inner: 96, hidden: 48)
        let (weights, bias, input, _, _) = Self.operands(size)
        let quantized = weights.withUnsafeBufferPointer {
            Int8Rows(quantizing: $0.baseAddress!, rows: 3 * size.hidden, columns: size.inner)
        }
        let panels = QuantizedPanels(int8: quantized, innerSize: size.inner, hidden: size.hidden, bias: bias)
        let result = Self.product(
            panels, rows: size.rows, gates: 0..<3, order: Array(0..<panels.panelCount), input: input,
            stride: size.inner)
        for b in 0..<size.rows {
            let row = input[(b * size.inner)..<((b + 1) * size.inner)]
            let inputScale = row.map(abs).max()! / 127
            for o in 0..<(3 * size.hidden) {
                var exact: Double = Double(bias[o]), bound: Double = 0
                for k in 0..<size.inner {
                    let w = Double(weights[o * size.inner + k]), x = Double(row[row.startIndex + k])
                    exact += w * x
                    bound +=
                        abs(w) * Double(inputScale) / 2
                        + Double(quantized.scales[o]) / 2 * (abs(x) + Double(inputScale) / 2)
                }
                let error = abs(Double(result[b * 3 * size.hidden + o]) - exact)
                #expect(error <= bound + 1e-5, "row \(b) output \(o): error \(error), bound \(bound)")
            }
        }
    }

    @Test func int8RowsRoundTripRepresentableValuesExactly() {
        // q * 2^-6 with each row's largest |q| = 127: scale 2^-6 exactly, q back exactly.
        let levels: [[Int8]] = [[127, -3, 0, 64, -127], [-127, 1, 2, 3, 4], [0, 0, 0, 0, 0]]
        let values = levels.flatMap { $0.map { Float($0) / 64 } }
        let rows = values.withUnsafeBufferPointer { Int8Rows(quantizing: $0.baseAddress!, rows: 3, columns: 5) }
        #expect(rows.values == levels.flatMap { $0 })
        #expect(rows.scales == [1 / 64, 1 / 64, 0])
        #expect(rows.dequantized() == values)
    }

    @Test func bf16RoundsToNearestTiesToEven() {
        let ulp: Float = 1.0 / 128  // bf16's spacing in [1, 2)
        #expect(NaiveQuantizedKernels.bf16Rounded(1 + ulp / 2) == 1)  // a tie, to the even 1
        #expect(NaiveQuantizedKernels.bf16Rounded(1 + 3 * ulp / 2) == 1 + 2 * ulp)  // a tie, to even
        #expect(NaiveQuantizedKernels.bf16Rounded(1 + ulp * 0.51) == 1 + ulp)
        #expect(NaiveQuantizedKernels.bf16Rounded(-0.15625) == -0.15625)  // representable
    }

    @Test func bf16OperandsBelowTwoToTheMinus56AreZerosOfTheirSign() {
        #expect(NaiveQuantizedKernels.bf16Operand(0x1p-56) == 0x1p-56)
        #expect(NaiveQuantizedKernels.bf16Operand(-0x1.fep-57).bitPattern == (-Float.zero).bitPattern)
        #expect(NaiveQuantizedKernels.bf16Operand(0x1.ffp-57) == 0x1p-56)  // rounds up to 2^-56 first
        #expect(NaiveQuantizedKernels.bf16Operand(Float.leastNormalMagnitude) == 0)
        #expect(NaiveQuantizedKernels.bf16Operand(1 + 1.0 / 256) == 1)  // otherwise bf16Rounded
    }
}
