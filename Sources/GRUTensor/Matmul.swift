import CGateKernels
import Foundation

#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Row-major single-precision matrix products, the one place GRUKit calls BLAS.
///
/// Computes C = alpha * op(A) * op(B) + beta * C with op(A) of shape (m, k), op(B) of shape
/// (k, n) and C of shape (m, n). `lda`, `ldb`, `ldc` are row strides in elements, so a
/// column block of a wider matrix (one gate of a (rows, 3H) buffer) is passed without a copy.
///
/// Threads: GRUKit runs BLAS single-threaded and splits large products across the cores
/// itself, on its `ThreadTeam` (by rows of C, or by columns when there are few rows), in
/// `ThreadTeam.defaultParts` parts.
/// OpenBLAS's own worker threads spin for a while after each threaded call; a GRU alternates
/// threaded products with steps it splits across the same team, and a second set of
/// spinning workers would take the cores those steps need.
public enum Matmul {
    /// The threads large products and steps are split across, outside `ThreadTeam.withParts`:
    /// the cores this process may use (see `AvailableCores`), at most 8, or GRUKIT_NUM_THREADS
    /// when set (see `ThreadCountSetting`), at most those cores: a thread team spinning at a
    /// barrier on more threads than cores waits for the scheduler at every step (S1 took
    /// 24 ms with 16 threads on 2 cores).
    public static let threadCount =
        ThreadCountSetting.requested.map { min($0, AvailableCores.count) }
        ?? min(AvailableCores.count, 8)

    /// Products below this many floating-point operations run on one thread: a team run costs
    /// about a microsecond while the team's threads still spin from the last run, but tens of
    /// microseconds (a few million operations) once they have gone to sleep.
    @usableFromInline static let smallestParallelWork = 2_000_000

    /// BLAS is made single-threaded once, before GRUKit's first call.
    @usableFromInline static let singleThreadedBLAS: Bool = {
        BLASLibrary.threadCount = 1
        return true
    }()

    /// Multiplies through BLAS (OpenBLAS on Linux, Accelerate on Apple platforms), split as
    /// `split` says.
    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        parallel: Bool = true
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // BLAS leaves C untouched for k == 0 only when beta == 1; make every case explicit.
            scale(c, rows: m, columns: n, stride: ldc, by: beta)
            return
        }
        _ = singleThreadedBLAS
        switch split(m: m, n: n, k: k, parallel: parallel) {
        case .rows(let parts):
            ThreadTeam.run(parts: parts) { part, parts in
                let first = m * part / parts, rows = m * (part + 1) / parts - first
                blasGemm(
                    transposeA: transposeA, transposeB: transposeB, m: rows, n: n, k: k, alpha: alpha,
                    a: transposeA ? a + first : a + first * lda, lda: lda,
                    b: b, ldb: ldb, beta: beta, c: c + first * ldc, ldc: ldc)
            }
        case .columns(let parts):
            ThreadTeam.run(parts: parts) { part, parts in
                let first = n * part / parts, columns = n * (part + 1) / parts - first
                blasGemm(
                    transposeA: transposeA, transposeB: transposeB, m: m, n: columns, k: k, alpha: alpha,
                    a: a, lda: lda, b: transposeB ? b + first * ldb : b + first,
                    ldb: ldb, beta: beta, c: c + first, ldc: ldc)
            }
        case .unsplit:
            blasGemm(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }

    /// How `gemm` shares a product of C (m, n) = (m, k) (k, n) across the thread team.
    @usableFromInline
    enum Split: Equatable {
        /// One BLAS call on the caller's thread.
        case unsplit
        /// `parts` calls, each on a block of C's rows.
        case rows(parts: Int)
        /// `parts` calls, each on a block of C's columns.
        case columns(parts: Int)
    }

    /// The split of a product: unsplit when it is small (below `smallestParallelWork`) or not
    /// `parallel`, else `ThreadTeam.defaultParts` parts, by rows when each part gets 8 rows
    /// or more, else by columns when each gets 16 columns or more, else unsplit.
    @usableFromInline
    static func split(m: Int, n: Int, k: Int, parallel: Bool) -> Split {
        guard parallel, 2 * m * n * k >= smallestParallelWork else { return .unsplit }
        let parts = ThreadTeam.defaultParts
        if parts > 1, m >= 8 * parts { return .rows(parts: parts) }
        if parts > 1, n >= 16 * parts { return .columns(parts: parts) }
        return .unsplit
    }

    /// One BLAS sgemm call.
    @inlinable
    static func blasGemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc))
    }

    /// The slow, obvious twin of `gemm`, accumulated in Double; used only by tests.
    package static func naiveGemm(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let aValue = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let bValue = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(aValue) * Double(bValue)
                }
                let previous = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * sum + previous)
            }
        }
    }

    @usableFromInline
    static func scale(
        _ c: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int, by beta: Float
    ) {
        for i in 0..<rows {
            for j in 0..<columns {
                c[i * stride + j] = beta == 0 ? 0 : beta * c[i * stride + j]
            }
        }
    }
}
