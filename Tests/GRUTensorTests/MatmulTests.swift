import GRUTestSupport
import Testing

@testable import GRUTensor

/// The BLAS `gemm` against its naive Double twin, for every transpose combination, strided
/// (sub-matrix) operands, beta 0 and 1, and the degenerate k = 0.
@Suite(.tags(.unit))
struct MatmulTests {
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func gemmMatchesNaiveTwin(transposes: (Bool, Bool)) {
        let (transposeA, transposeB) = transposes
        let m = 5, n = 7, k = 3
        // Leading dimensions wider than needed: the operands are blocks of larger matrices.
        let lda = (transposeA ? m : k) + 2, ldb = (transposeB ? k : n) + 1, ldc = n + 3
        var generator = SeededGenerator(seed: 42)
        let a = (0..<(lda * (transposeA ? k : m))).map { _ in generator.uniform(-1, 1) }
        let b = (0..<(ldb * (transposeB ? n : k))).map { _ in generator.uniform(-1, 1) }
        let c0 = (0..<(ldc * m)).map { _ in generator.uniform(-1, 1) }
        for beta: Float in [0, 1] {
            var fast = c0, naive = c0
            fast.withUnsafeMutableBufferPointer { c in
                Matmul.gemm(
                    transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5,
                    a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: ldc)
            }
            naive.withUnsafeMutableBufferPointer { c in
                Matmul.naiveGemm(
                    transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5,
                    a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: ldc)
            }
            expectApproximatelyEqual(fast, naive, absoluteTolerance: 1e-6, "C, beta \(beta)")
        }
    }

    @Test func emptyInnerDimensionScalesC() {
        var c: [Float] = [1, 2, 3, 4]
        let a: [Float] = [0], b: [Float] = [0]
        c.withUnsafeMutableBufferPointer {
            Matmul.gemm(
                transposeA: false, transposeB: false, m: 2, n: 2, k: 0,
                a: a, lda: 1, b: b, ldb: 2, beta: 0, c: $0.baseAddress!, ldc: 2)
        }
        #expect(c == [0, 0, 0, 0])
    }
}

/// Products large enough to be split across threads (by rows, or by columns when rows are
/// few) against the naive twin, in 1, 2 and 3 parts whatever the cores, each split checked to
/// be the one asked for.
@Suite(.tags(.unit))
struct ParallelMatmulTests {
    @Test(arguments: [1, 2, 3])
    func splitProductsMatchNaiveTwin(parts: Int) {
        ThreadTeam.withParts(parts) {
            #expect(ThreadTeam.defaultParts == parts)
            let products: [(shape: (Int, Int, Int), split: Matmul.Split)] = [
                ((200, 70, 100), parts > 1 ? .rows(parts: parts) : .unsplit),
                ((4, 600, 500), parts > 1 ? .columns(parts: parts) : .unsplit),
                ((3, 20, 40), .unsplit),  // too small to split
            ]
            for (shape, split) in products {
                let (m, n, k) = shape
                #expect(Matmul.split(m: m, n: n, k: k, parallel: true) == split, "\(m)x\(n)x\(k)")
                #expect(Matmul.split(m: m, n: n, k: k, parallel: false) == .unsplit)
                expectGemmMatchesNaiveTwin(m: m, n: n, k: k)
            }
        }
    }

    private func expectGemmMatchesNaiveTwin(m: Int, n: Int, k: Int) {
        var generator = SeededGenerator(seed: 7)
        for (transposeA, transposeB) in [(false, true), (true, false)] {
            let a = (0..<(m * k)).map { _ in generator.uniform(-1, 1) }
            let b = (0..<(k * n)).map { _ in generator.uniform(-1, 1) }
            let c0 = (0..<(m * n)).map { _ in generator.uniform(-1, 1) }
            var fast = c0, naive = c0
            let lda = transposeA ? m : k, ldb = transposeB ? k : n
            fast.withUnsafeMutableBufferPointer { c in
                Matmul.gemm(
                    transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                    a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: c.baseAddress!, ldc: n)
            }
            naive.withUnsafeMutableBufferPointer { c in
                Matmul.naiveGemm(
                    transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                    a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: c.baseAddress!, ldc: n)
            }
            expectApproximatelyEqual(
                fast, naive, absoluteTolerance: 1e-4,
                "\(m)x\(n)x\(k) C, transposed A \(transposeA), transposed B \(transposeB)")
        }
    }
}
