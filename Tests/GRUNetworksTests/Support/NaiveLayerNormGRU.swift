import Foundation
import GRUNetworks

/// The slow, obvious Double twin of `LayerNormGRULayer`'s forward pass (Haste's formulation,
/// GRUKit's r, z, n order, see `LayerNormGRUCell`), for finite differences and as the fast
/// path's reference: loops over layers, directions, steps, rows and units, over parameters in
/// the layer's own buffer layout.
///
/// Legend: T steps, B batch, I input size, H hidden size, L layers, D directions.
struct NaiveLayerNormGRU {
    let configuration: LayerNormGRUConfiguration
    let layout: RecurrentParameterLayout
    /// The layout's `count` parameters.
    var parameters: [Double]

    init(_ configuration: LayerNormGRUConfiguration, parameters: [Double]) {
        self.configuration = configuration
        layout = LayerNormGRULayer(configuration).layout
        self.parameters = parameters
    }

    /// Output (T, B, D*H) and final states (L*D, B, H) of input (T, B, I), time-major.
    func forward(
        input: [Double], steps: Int, batch: Int, initialState: [Double], lengths: [Int]?
    ) -> (output: [Double], finalState: [Double]) {
        let c = configuration, h = c.hiddenSize, d = c.directionCount, w = 3 * h
        let lengths = lengths ?? Array(repeating: steps, count: batch)
        var layerInput = input
        var finalState = [Double](repeating: 0, count: c.stateCount * batch * h)
        for layer in 0..<c.layerCount {
            let inputSize = c.inputSize(ofLayer: layer)
            var output = [Double](repeating: 0, count: steps * batch * d * h)
            for direction in 0..<d {
                func tensor(_ role: RecurrentParameterRole) -> ArraySlice<Double>? {
                    layout.slot(role, layer: layer, direction: direction).map { parameters[$0.range] }
                }
                let wih = Array(tensor(.inputWeight)!), whh = Array(tensor(.recurrentWeight)!)
                let bih = tensor(.inputBias).map(Array.init), bhh = tensor(.recurrentBias).map(Array.init)
                let gains = Array(
                    parameters[
                        layout.slot(extra: LayerNormGRUCell.gainNameStem, layer: layer, direction: direction)!.range])
                let stateIndex = layer * d + direction
                var state = Array(initialState[(stateIndex * batch * h)..<((stateIndex + 1) * batch * h)])
                let times = direction == 1 ? Array((0..<steps).reversed()) : Array(0..<steps)
                for t in times {
                    for b in 0..<batch where t < lengths[b] {
                        var gx = [Double](repeating: 0, count: w), gh = [Double](repeating: 0, count: w)
                        for j in 0..<w {
                            for k in 0..<inputSize {
                                gx[j] += wih[j * inputSize + k] * layerInput[(t * batch + b) * inputSize + k]
                            }
                            for k in 0..<h { gh[j] += whh[j * h + k] * state[b * h + k] }
                        }
                        gx = Self.normalized(gx, gain: gains[0..<w])
                        gh = Self.normalized(gh, gain: gains[w..<(2 * w)])
                        for j in 0..<w {
                            gx[j] += bih?[j] ?? 0
                            gh[j] += bhh?[j] ?? 0
                        }
                        var next = [Double](repeating: 0, count: h)
                        for j in 0..<h {
                            let r = 1 / (1 + exp(-(gx[j] + gh[j])))
                            let z = 1 / (1 + exp(-(gx[h + j] + gh[h + j])))
                            let n = tanh(gx[2 * h + j] + r * gh[2 * h + j])
                            next[j] = (1 - z) * n + z * state[b * h + j]
                        }
                        for j in 0..<h {
                            state[b * h + j] = next[j]
                            output[(t * batch + b) * d * h + direction * h + j] = next[j]
                        }
                    }
                }
                for i in 0..<(batch * h) { finalState[stateIndex * batch * h + i] = state[i] }
            }
            layerInput = output
        }
        return (layerInput, finalState)
    }

    /// (v - mean) / sqrt(var + 1e-5) * gain, the biased variance.
    static func normalized(_ v: [Double], gain: ArraySlice<Double>) -> [Double] {
        let mean = v.reduce(0, +) / Double(v.count)
        let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)
        let scale = 1 / (variance + 1e-5).squareRoot()
        return v.indices.map { (v[$0] - mean) * scale * gain[gain.startIndex + $0] }
    }
}
