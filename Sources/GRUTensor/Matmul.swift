#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import CGateKernels

/// Row-major single-precision matrix products, the one place GRUKit calls BLAS.
///
/// Computes C = alpha * op(A) * op(B) + beta * C with op(A) of shape (m, k), op(B) of shape
/// (k, n) and C of shape (m, n). `lda`, `ldb`, `ldc` are row strides in elements, so a
/// column block of a wider matrix (one gate of a (rows, 3H) buffer) is passed without a copy.
public enum Matmul {
    /// Multiplies through BLAS (OpenBLAS on Linux, Accelerate on Apple platforms).
    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // BLAS leaves C untouched for k == 0 only when beta == 1; make every case explicit.
            scale(c, rows: m, columns: n, stride: ldc, by: beta)
            return
        }
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc))
    }

    /// Matrix-vector product through BLAS: y = alpha * A x + beta * y, A (m, n) row-major with
    /// row stride `lda`. For one sequence at a time, where a GEMM with m = 1 is much slower.
    @inlinable
    public static func gemv(
        m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        guard m > 0 else { return }
        if n == 0 {
            scale(y, rows: 1, columns: m, stride: m, by: beta)
            return
        }
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    /// y[c] = bias[c] + sum_k x[k] * packed[k * ld + c] for c < columns: one sequence's product
    /// with weights packed transposed, (K, ld) row-major. Vectorized C, no BLAS call: for small
    /// weights a BLAS call costs more than the arithmetic. Its twin is `naiveGemm` with m = 1.
    @inlinable
    public static func packedMatrixVector(
        kCount: Int, columns: Int, ld: Int, packed: UnsafePointer<Float>,
        x: UnsafePointer<Float>, bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>
    ) {
        gru_packed_matrix_vector(kCount, columns, ld, packed, x, bias, y)
    }

    /// The slow, obvious twin of `gemm`, accumulated in Double; used only by tests.
    public static func naiveGemm(
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
