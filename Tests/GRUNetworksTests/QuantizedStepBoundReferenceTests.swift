import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// The low-precision session against the reference fixtures of Tests/Fixtures/gru (onnxruntime's
/// GRU, checked against float64 PyTorch), one step at a time from the reference's own state,
/// within a bound derived from the quantization itself rather than a tolerance picked to pass:
///
/// - int8: a weight is q_w s_w + e_w with |e_w| <= s_w / 2 (its row's scale), an activation
///   q_x s_x + e_x with |e_x| <= s_x / 2 (its row's, max|x| / 127), so a product's error is at
///   most sum_k (s_w |x_k| + |w_k| s_x) / 2 + 3 s_w s_x / 4.
/// - bf16: weights, and activations where a path rounds them, each within 2^-9 relative, so a
///   product's error is at most sum_k |w_k x_k| (2^-8 + 2^-18).
///
/// The products' bounds go through the gates with sigmoid' <= 1/4 and tanh' <= 1, in Double
/// from the reference state: the bound of h_t given the exact h_(t-1). Each step must stay
/// within it, plus 2e-5 for float32 rounding and the fixture's own 1e-5.
@Suite(.tags(.reference))
struct QuantizedStepBoundReferenceTests {
    /// The one-layer, one-direction fixtures without lengths: their output is h_t at every step.
    static let fixtureNames = GRUReferenceTests.fixtureNames.filter {
        $0.contains("_l1_uni_") && $0.contains("_nolen_")
    }

    @Test func everyVariantAndLayoutIsCovered() {
        #expect(Self.fixtureNames.count == 18, "\(Self.fixtureNames)")
    }

    /// A row-major (rows, columns) matrix in Double.
    struct Matrix {
        let rows: Int, columns: Int
        let values: [Double]
        subscript(row: Int, column: Int) -> Double { values[row * columns + column] }
    }

    /// The bound of one product W x (every row of W) for activations `x`.
    static func productBounds(_ w: Matrix, _ x: [Double], precision: InferencePrecision) -> [Double] {
        let inputScale = (x.map(abs).max() ?? 0) / 127
        return (0..<w.rows).map { row in
            let weights = (0..<w.columns).map { w[row, $0] }
            switch precision {
            case .int8:
                let weightScale = (weights.map(abs).max() ?? 0) / 127
                return zip(weights, x).reduce(0) { sum, pair in
                    sum + (weightScale * abs(pair.1) + abs(pair.0) * inputScale) / 2 + 0.75 * weightScale * inputScale
                }
            default:
                return zip(weights, x).reduce(0) { $0 + abs($1.0 * $1.1) } * (0x1p-8 + 0x1p-18)
            }
        }
    }

    static func product(_ w: Matrix, _ x: [Double], bias: [Double]) -> [Double] {
        (0..<w.rows).map { row in (0..<w.columns).reduce(bias[row]) { $0 + w[row, $1] * x[$1] } }
    }

    static func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }

    /// Per unit, the bound of |h_t - h_t at low precision| when both start from `state`.
    static func stepBounds(
        variant: GRUVariant, input: Matrix, recurrent: Matrix, inputBias: [Double], recurrentBias: [Double],
        x: [Double], state h: [Double], precision: InferencePrecision
    ) -> [Double] {
        let hidden = h.count
        let inputProduct = product(input, x, bias: inputBias)
        let inputBound = productBounds(input, x, precision: precision)
        let recurrentProduct = product(recurrent, h, bias: recurrentBias)
        let recurrentBound = productBounds(recurrent, h, precision: precision)
        return (0..<hidden).map { j in
            let (rIndex, zIndex, nIndex) = (j, hidden + j, 2 * hidden + j)
            let r = sigmoid(inputProduct[rIndex] + recurrentProduct[rIndex])
            let z = sigmoid(inputProduct[zIndex] + recurrentProduct[zIndex])
            let dr = (inputBound[rIndex] + recurrentBound[rIndex]) / 4
            let dz = (inputBound[zIndex] + recurrentBound[zIndex]) / 4
            let n: Double, dn: Double
            switch variant {
            case .resetAfter:
                let hn = recurrentProduct[nIndex], dhn = recurrentBound[nIndex]
                n = tanh(inputProduct[nIndex] + r * hn)
                dn = inputBound[nIndex] + dr * abs(hn) + r * dhn + dr * dhn
            case .resetBefore:
                // W_hn (r h): the exact reset perturbed by up to dr per unit, then quantized.
                let resetState = (0..<hidden).map { k in sigmoid(inputProduct[k] + recurrentProduct[k]) * h[k] }
                let row = Matrix(
                    rows: 1, columns: hidden, values: (0..<hidden).map { recurrent[nIndex, $0] })
                var perturbed = 0.0
                for k in 0..<hidden {
                    let dk = (inputBound[k] + recurrentBound[k]) / 4
                    perturbed += abs(row[0, k]) * dk * abs(h[k])
                }
                // The quantized vector is r~ h, within |h| element by element: bound with |h|.
                let quantized = productBounds(row, h.map(abs), precision: precision)[0]
                n = tanh(inputProduct[nIndex] + product(row, resetState, bias: [recurrentBias[nIndex]])[0])
                dn = inputBound[nIndex] + perturbed + quantized
            }
            return dz * abs(n - h[j]) + (1 - z) * dn + dz * dn
        }
    }

    @Test(arguments: fixtureNames, [InferencePrecision.bf16, .int8])
    func eachStepStaysWithinItsBound(_ name: String, _ precision: InferencePrecision) throws {
        let file = try SafetensorsFile.read(contentsOf: GRUReferenceTests.directory.appendingPathComponent(name))
        let variant = try #require(GRUVariant(rawValue: file.metadata["variant"] ?? ""))
        let batchFirst = file.metadata["batch_first"] == "true"
        var weights: [String: Tensor] = [:]
        for tensorName in file.names
        where !GRUReferenceTests.nonWeightNames.contains(tensorName) && !tensorName.hasPrefix("grad.") {
            weights[tensorName] = file[tensorName]
        }
        let gru = GRU(parameters: try PyTorchGRUNames.parameters(from: weights, variant: variant))
        let hidden = gru.configuration.hiddenSize, inputSize = gru.configuration.inputSize
        func matrix(_ key: String, columns: Int) throws -> Matrix {
            Matrix(rows: 3 * hidden, columns: columns, values: try #require(weights[key]).scalars.map(Double.init))
        }
        let input = try matrix("weight_ih_l0", columns: inputSize),
            recurrent = try matrix("weight_hh_l0", columns: hidden)
        let zeros = [Double](repeating: 0, count: 3 * hidden)
        let inputBias = weights["bias_ih_l0"].map { $0.scalars.map(Double.init) } ?? zeros
        let recurrentBias = weights["bias_hh_l0"].map { $0.scalars.map(Double.init) } ?? zeros

        var x = try file.require("input"), output = try file.require("output")
        if batchFirst { (x, output) = (x.swappingFirstTwoAxes(), output.swappingFirstTwoAxes()) }
        let steps = x.shape[0], batch = x.shape[1]
        let session = GRUInferenceSession(gru, precision: precision)
        var state = file["initial_state"] ?? Tensor(shape: [1, batch, hidden])
        var largestShare = 0.0
        for t in 0..<steps {
            let stepInput = Tensor(
                shape: [1, batch, inputSize],
                scalars: Array(x.scalars[(t * batch * inputSize)..<((t + 1) * batch * inputSize)]))
            let computed = try session.run(stepInput, initialState: state).output.scalars
            let reference = Array(output.scalars[(t * batch * hidden)..<((t + 1) * batch * hidden)])
            for b in 0..<batch {
                let bounds = Self.stepBounds(
                    variant: variant, input: input, recurrent: recurrent, inputBias: inputBias,
                    recurrentBias: recurrentBias,
                    x: stepInput.scalars[(b * inputSize)..<((b + 1) * inputSize)].map(Double.init),
                    state: state.scalars[(b * hidden)..<((b + 1) * hidden)].map(Double.init), precision: precision)
                for j in 0..<hidden {
                    let error = abs(Double(computed[b * hidden + j]) - Double(reference[b * hidden + j]))
                    let allowed = bounds[j] + 2e-5
                    #expect(error <= allowed, "\(name) \(precision) t \(t) b \(b) unit \(j): \(error) > \(allowed)")
                    largestShare = max(largestShare, error / allowed)
                }
            }
            state = Tensor(shape: [1, batch, hidden], scalars: reference)
        }
        // The low precision shows: somewhere an error is a visible part of its bound.
        if hidden > 1 { #expect(largestShare > 0.01, "\(name) \(precision): at most \(largestShare) of the bound") }
    }
}
