import GRUTensor

/// The layer-normalized GRU of Haste's `LayerNormGRU` (Ba et al. 2016 applied to the GRU of
/// Cho et al. 2014v1, reset gate after the product) as a recurrent cell.
///
/// With LN(v; g) = (v - mean(v)) / sqrt(var(v) + 1e-5) * g over the 3H values of a row
/// (biased variance, no shift), per row and step:
///
///     gx = LN(W_ih x_t; gamma[0]) + b_ih          gh = LN(W_hh h_{t-1}; gamma[1]) + b_hh
///     r = sigmoid(gx_r + gh_r)    z = sigmoid(gx_z + gh_z)
///     n = tanh(gx_n + r * gh_n)   h_t = (1 - z) * n + z * h_{t-1}
///
/// The candidate is Haste's: r multiplies the normalized recurrent term gh_n (its bias
/// included), as in PyTorch's reset-after GRU. Haste orders its gate blocks z, r, n; GRUKit
/// keeps PyTorch's r, z, n for W_ih, W_hh, the biases and both gains alike (the normalization
/// statistics do not depend on the order), so a Haste checkpoint maps by permuting blocks.
/// The gains are one extra tensor per layer and direction, `layer_norm_gamma_l{k}` (2, 3H),
/// row 0 for the input projection, row 1 for the recurrent one; they start at 1.
///
/// Each step needs every unit of its rows' recurrent product before it can normalize, so the
/// steps share a time step by batch rows only (a small batch runs on one thread). The steps
/// are in `LayerNormGRUStep`. Backward takes both normalizations' x̂ and 1 / sqrt(var + eps)
/// from caches the forward pass keeps (a row of 3H + 16 floats per row and normalization)
/// rather than recompute the products they came from. Legend: B batch rows, H hidden size,
/// R = T*B rows.
public struct LayerNormGRUCell: RecurrentCell {
    /// The cell of a configuration.
    public init(_ configuration: LayerNormGRUConfiguration) {}

    /// r, z and n.
    public static let gateCount = 3

    /// The name stem of the gains, (2, 3H) per layer and direction.
    public static let gainNameStem = "layer_norm_gamma"

    /// The gains: `layer_norm_gamma` (2, 3H), ones.
    public static func extraParameters(hiddenSize: Int) -> [RecurrentExtraParameter] {
        [RecurrentExtraParameter(nameStem: gainNameStem, shape: [2, 3 * hiddenSize], initialValue: 1)]
    }

    /// The packing with gains of 1.
    public func packStepWeights(
        hidden: Int, recurrentWeight: UnsafePointer<Float>, recurrentBias: UnsafePointer<Float>?,
        inputBias: UnsafePointer<Float>?
    ) -> LayerNormGRUWeights {
        packStepWeights(
            hidden: hidden, recurrentWeight: recurrentWeight, recurrentBias: recurrentBias, inputBias: inputBias,
            extraParameters: nil)
    }

    /// W_hh^T in 32-column panels for gh = h W_hh^T, with the biases and gains.
    public func packStepWeights(
        hidden: Int, recurrentWeight: UnsafePointer<Float>, recurrentBias: UnsafePointer<Float>?,
        inputBias: UnsafePointer<Float>?, extraParameters: UnsafePointer<Float>?
    ) -> LayerNormGRUWeights {
        LayerNormGRUWeights(
            hidden: hidden, recurrentWeight: recurrentWeight, recurrentBias: recurrentBias, inputBias: inputBias,
            gains: extraParameters, forBackward: false)
    }

    /// The packing with gains of 1.
    public func packGradientWeights(hidden: Int, recurrentWeight: UnsafePointer<Float>) -> LayerNormGRUWeights {
        packGradientWeights(hidden: hidden, recurrentWeight: recurrentWeight, extraParameters: nil)
    }

    /// W_hh (for dL/dh += dL/d(gh_raw) W_hh), with the gains.
    public func packGradientWeights(
        hidden: Int, recurrentWeight: UnsafePointer<Float>, extraParameters: UnsafePointer<Float>?
    ) -> LayerNormGRUWeights {
        LayerNormGRUWeights(
            hidden: hidden, recurrentWeight: recurrentWeight, recurrentBias: nil, inputBias: nil,
            gains: extraParameters, forBackward: true)
    }

    /// The row stride of both normalization caches: the normalized 3H values of a row and its
    /// 1 / sqrt(var + eps) (`LayerNormGateKernels`).
    static func cacheStride(hidden: Int) -> Int { LayerNormGateKernels.cacheStride(width: 3 * hidden) }

    /// The input normalization's cache, by time.
    public static func inputProjectionCacheWidth(hidden: Int) -> Int { cacheStride(hidden: hidden) }

    /// The recurrent normalization's cache, by step.
    public static func stepCacheWidth(hidden: Int) -> Int { cacheStride(hidden: hidden) }

    /// gx without b_ih: LN(W_ih x; gamma[0]) over every row, shared by rows across the team;
    /// the steps add b_ih. `cache` keeps each row's normalized values and 1 / sqrt(var + eps).
    public func finishInputProjection(
        rows: Int, hidden: Int, projection: UnsafeMutablePointer<Float>, extraParameters: UnsafePointer<Float>?,
        cache: UnsafeMutablePointer<Float>?
    ) {
        guard let gains = extraParameters else { return }
        let width = 3 * hidden, stride = Self.cacheStride(hidden: hidden)
        Self.shareRows(rows, width: width) { share, _ in
            let first = share.lowerBound
            LayerNormGateKernels.normalizeRows(
                rows: share.count, width: width, matrix: projection + first * width, stride: width, gain: gains,
                cache: cache.map { $0 + first * stride }, cacheStride: stride)
        }
    }

    /// One forward step.
    public func forward(_ step: RecurrentForwardStep, weights: LayerNormGRUWeights, barrier: StepBarrier) {
        LayerNormGRUStep.forward(step, weights: weights)
    }

    /// One backward step.
    public func backward(_ step: RecurrentBackwardStep, weights: LayerNormGRUWeights, barrier: StepBarrier) {
        LayerNormGRUStep.backward(step, weights: weights)
    }

    /// Both normalizations' backward over all R rows, shared by rows across the team: the steps
    /// left dL/dgx and dL/dgh (the bias gradients, already summed); they become dL/d(W_ih x)
    /// and dL/d(W_hh h) from the normalized values and deviations the forward pass cached, and
    /// the gains' gradients are added (each part's sums, then the parts in order).
    public func finishProjectionGradients(_ gradients: RecurrentProjectionGradients) {
        guard let gains = gradients.extraParameters, let gainGradients = gradients.extraParameterGradients,
            let inputCache = gradients.inputProjectionCache, let stepCache = gradients.stepCache
        else { return }
        let width = 3 * gradients.hidden, stride = Self.cacheStride(hidden: gradients.hidden)
        let parts = ThreadTeam.defaultParts
        let sums = ScratchBuffer(count: parts * 2 * width)  // (parts, 2, 3H) the gains' gradients
        Self.shareRows(gradients.rows, width: width) { share, part in
            let first = share.lowerBound, partSums = sums.pointer + part * 2 * width
            LayerNormGateKernels.backwardRows(
                rows: share.count, width: width, gradient: gradients.inputProjectionGradient + first * width,
                stride: width, cache: inputCache + first * stride, cacheStride: stride, gain: gains,
                gainGradient: partSums)
            LayerNormGateKernels.backwardRows(
                rows: share.count, width: width, gradient: gradients.hiddenProjectionGradient + first * width,
                stride: width, cache: stepCache + first * stride, cacheStride: stride, gain: gains + width,
                gainGradient: partSums + width)
        }
        for part in 0..<parts {
            for j in 0..<(2 * width) { gainGradients[j] += sums.pointer[part * 2 * width + j] }
        }
    }

    /// Runs `body(rows, part)` on shares of `rows` rows of width `width` across the team, or on
    /// one thread when a team run would cost more than it saves (about 10 operations a value).
    private static func shareRows(_ rows: Int, width: Int, _ body: (Range<Int>, Int) -> Void) {
        let parts = rows * width >= 1 << 17 ? min(ThreadTeam.defaultParts, rows) : 1
        guard parts > 1 else { return body(0..<rows, 0) }
        ThreadTeam.run(parts: parts) { part, parts in
            body(ThreadTeam.share(of: rows, part: part, parts: parts), part)
        }
    }

    /// dW_hh (3H, H) += dL/d(W_hh h)^T (recurrent inputs), over all R rows.
    public func accumulateRecurrentWeightGradient(
        rows: Int, hidden: Int, hiddenProjectionGradient: UnsafePointer<Float>,
        recurrentInputs: UnsafePointer<Float>, auxiliary: UnsafePointer<Float>,
        into recurrentWeightGradient: UnsafeMutablePointer<Float>
    ) {
        GRUResetAfterStep.accumulateRecurrentWeightGradient(
            rows: rows, hidden: hidden, hiddenProjectionGradient: hiddenProjectionGradient,
            recurrentInputs: recurrentInputs, into: recurrentWeightGradient)
    }
}

/// A stacked, optionally bidirectional layer-normalized GRU layer (Haste's `LayerNormGRU`)
/// over parameters in someone else's flat buffer: the shared recurrent sweep with
/// `LayerNormGRUCell`.
public typealias LayerNormGRULayer = RecurrentLayer<LayerNormGRUCell>

/// One direction's recurrent weights for the layer-norm GRU's steps: W_hh^T (H, 3H) in
/// 32-column panels for the forward step's product, or W_hh (3H, H) likewise for the backward
/// one, and copies of b_hh, b_ih (zeros when absent) and the gains (ones when absent).
///
/// It is one panel for the sweep's sharing: a step normalizes whole rows of the product, so
/// threads share the steps by rows and every thread multiplies all of W_hh.
public struct LayerNormGRUWeights: PanelledRecurrentWeights, @unchecked Sendable {
    /// H.
    public let hidden: Int
    /// (H, 3H) W_hh^T, for gh = h W_hh^T; nil in a backward packing.
    let transposedWeight: ColumnPanelledMatrix?
    /// (3H, H) W_hh, for dL/dh += dL/d(gh) W_hh; nil in a forward packing.
    let weight: ColumnPanelledMatrix?
    /// (3H) each.
    let recurrentBias: [Float], inputBias: [Float]
    /// (2, 3H) gamma[0] for the input projection, gamma[1] for the recurrent one.
    let gains: [Float]

    init(
        hidden: Int, recurrentWeight: UnsafePointer<Float>, recurrentBias: UnsafePointer<Float>?,
        inputBias: UnsafePointer<Float>?, gains: UnsafePointer<Float>?, forBackward: Bool
    ) {
        let width = 3 * hidden
        self.hidden = hidden
        transposedWeight =
            forBackward ? nil : ColumnPanelledMatrix(transposing: recurrentWeight, rows: width, columns: hidden)
        weight = forBackward ? ColumnPanelledMatrix(rows: width, columns: hidden, values: recurrentWeight) : nil
        self.recurrentBias =
            recurrentBias.map { Array(UnsafeBufferPointer(start: $0, count: width)) }
            ?? Array(repeating: 0, count: width)
        self.inputBias =
            inputBias.map { Array(UnsafeBufferPointer(start: $0, count: width)) }
            ?? Array(repeating: 0, count: width)
        self.gains =
            gains.map { Array(UnsafeBufferPointer(start: $0, count: 2 * width)) }
            ?? Array(repeating: 1, count: 2 * width)
    }

    /// One.
    public var panelCount: Int { 1 }
    /// One, so that a step is never shared by units.
    public var sixteenUnitPanelCount: Int { 1 }
    /// Every unit.
    public func units(of panels: Range<Int>) -> Range<Int> { 0..<hidden }
}
