import CGateKernels

/// The layer-norm GRU's elementwise arithmetic, each a single vectorized pass (C, in
/// CGateKernels): layer normalization of rows and its backward, and a time step's
/// normalization of the recurrent product fused with the gates, forward and backward. The
/// products around them are the caller's; `NaiveLayerNormGateKernels` is the slow twin for
/// tests.
///
/// Layer normalization without a shift (Ba et al. 2016, as Haste's layer-norm cells use it):
/// y = x̂ * gain with x̂ = (x - mean(x)) / sqrt(var(x) + 1e-5) over each row of width W, the
/// biased variance, as `torch.nn.functional.layer_norm`. The step's math is on GRUNetworks'
/// `LayerNormGRUCell`.
///
/// Backward reads each row's x̂ and 1 / sqrt(var + eps) from a normalization cache that
/// forward wrote (rows `cacheStride(width:)` apart: x̂ in 0..<W, 1 / sqrt(var + eps) at W)
/// instead of recomputing the products that made x.
///
/// Legend: R rows, W the row width, B batch rows, H hidden size; gate blocks r, z, n, W = 3H.
/// Row b is active at time t when t < lengths[b].
public enum LayerNormGateKernels {
    /// The epsilon inside the square root, PyTorch's and Haste's default.
    public static let epsilon = Float(GRU_LAYER_NORM_EPSILON)

    /// The row stride of a normalization cache for rows of width W: W + 1 rounded up to 16.
    @inlinable
    public static func cacheStride(width: Int) -> Int { gru_layer_norm_cache_stride(width) }

    /// Normalizes `rows` rows of `matrix` (rows `stride` apart) in place into x̂ * gain (W),
    /// writing each row's x̂ and 1 / sqrt(var + eps) into `cache` when it is not nil.
    @inlinable
    public static func normalizeRows(
        rows: Int, width: Int, matrix: UnsafeMutablePointer<Float>, stride: Int, gain: UnsafePointer<Float>,
        cache: UnsafeMutablePointer<Float>?, cacheStride: Int
    ) {
        gru_layer_norm_rows(rows, width, matrix, stride, gain, cache, cacheStride)
    }

    /// The backward of `normalizeRows`: `gradient` (rows `stride` apart) holds dL/dy and
    /// becomes dL/dx; with g = dL/dy * gain,
    ///
    ///     dL/dx = (g - mean(g) - x̂ mean(g x̂)) / sqrt(var + eps)
    ///
    /// Adds dL/dy * x̂ of every row into `gainGradient` (W) when it is not nil.
    @inlinable
    public static func backwardRows(
        rows: Int, width: Int, gradient: UnsafeMutablePointer<Float>, stride: Int, cache: UnsafePointer<Float>,
        cacheStride: Int, gain: UnsafePointer<Float>, gainGradient: UnsafeMutablePointer<Float>?
    ) {
        gru_layer_norm_backward_rows(rows, width, gradient, stride, cache, cacheStride, gain, gainGradient)
    }

    /// One forward step of B rows after the recurrent product.
    ///
    /// - Parameters:
    ///   - recurrentProduct: (B, 3H) h_{t-1} W_hh^T.
    ///   - inputProjection: (B, 3H) the normalized W_ih x_t times its gain, without b_ih.
    ///   - recurrentGain, recurrentBias, inputBias: (3H) each.
    ///   - state: (B, H) receives h_t; `output` row b's h_t at output + b * outputStride, or nil.
    ///   - gates: (B, 3H) receives r, z, n, and `candidateHiddenTerm` (B, H) the normalized
    ///     gh_n with its gain and bias; nil for neither.
    ///   - cache: receives the normalization cache rows of the recurrent product, or nil.
    @inlinable
    public static func forwardStep(
        batch: Int, hidden: Int, time: Int, lengths: UnsafePointer<Int>, recurrentProduct: UnsafePointer<Float>,
        inputProjection: UnsafePointer<Float>, recurrentGain: UnsafePointer<Float>,
        recurrentBias: UnsafePointer<Float>, inputBias: UnsafePointer<Float>, previousState: UnsafePointer<Float>,
        state: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>?, outputStride: Int,
        gates: UnsafeMutablePointer<Float>?, candidateHiddenTerm: UnsafeMutablePointer<Float>?,
        cache: UnsafeMutablePointer<Float>?, cacheStride: Int
    ) {
        gru_layer_norm_forward_step(
            batch, hidden, time, lengths, recurrentProduct, inputProjection, recurrentGain, recurrentBias, inputBias,
            previousState, state, output, outputStride, gates, candidateHiddenTerm, cache, cacheStride)
    }

    /// One backward step of B rows, before the product dL/dh_{t-1} += productGradient W_hh.
    ///
    /// - Parameters:
    ///   - gates: (B, 3H) the step's r, z, n on entry; dL/dgh = (dr, dz, dn * r) on return.
    ///   - candidateHiddenTerm: (B, H) the forward step's gh_n.
    ///   - cache: the forward step's normalization cache rows.
    ///   - inputProjectionGradient: (B, 3H) receives dL/dgx.
    ///   - previousStateGradient: (B, H) receives dh * z, the direct part of dL/dh_{t-1}.
    ///   - productGradient: (B, 3H) receives dL/d(h_{t-1} W_hh^T).
    @inlinable
    public static func backwardStep(
        batch: Int, hidden: Int, time: Int, lengths: UnsafePointer<Int>, stateGradient: UnsafePointer<Float>,
        previousState: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>,
        candidateHiddenTerm: UnsafePointer<Float>, cache: UnsafePointer<Float>, cacheStride: Int,
        recurrentGain: UnsafePointer<Float>, inputProjectionGradient: UnsafeMutablePointer<Float>,
        previousStateGradient: UnsafeMutablePointer<Float>, productGradient: UnsafeMutablePointer<Float>
    ) {
        gru_layer_norm_backward_step(
            batch, hidden, time, lengths, stateGradient, previousState, gates, candidateHiddenTerm, cache, cacheStride,
            recurrentGain, inputProjectionGradient, previousStateGradient, productGradient)
    }
}
