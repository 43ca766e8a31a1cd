import Foundation
import GRUNetworks

/// The slow, obvious twin of `RNNLayer.forward`: scalar loops in Double straight from the
/// equation on `RNNCell`, one sequence and one step at a time. Used for the fast-vs-naive
/// check and as the function that finite differences perturb.
///
/// Legend: T steps, B batch, I input size, H hidden size, D directions. Time-major in and out.
struct NaiveRNN {
    let configuration: RNNConfiguration
    let layout: RecurrentParameterLayout
    /// The flat parameter buffer in `layout`.
    var parameters: [Double]

    init(_ configuration: RNNConfiguration, parameters: [Float]) {
        self.configuration = configuration
        layout = RecurrentParameterLayout(configuration, gateCount: 1)
        self.parameters = parameters.map(Double.init)
    }

    /// Output (T, B, D*H) and final state (L*D, B, H), flattened.
    func forward(
        input: [Double], steps: Int, batch: Int, initialState: [Double]?, lengths: [Int]?
    ) -> (output: [Double], finalState: [Double]) {
        let c = configuration
        let hidden = c.hiddenSize, directions = c.directionCount
        var layerInput = input
        var finalState = [Double](repeating: 0, count: c.stateCount * batch * hidden)
        for layer in 0..<c.layerCount {
            let inputSize = c.inputSize(ofLayer: layer)
            var output = [Double](repeating: 0, count: steps * batch * c.outputSize)
            for direction in 0..<directions {
                let stateIndex = layer * directions + direction
                let slot = { (role: RecurrentParameterRole) in layout.slot(role, layer: layer, direction: direction) }
                let wi = slot(.inputWeight)!, wh = slot(.recurrentWeight)!
                let bi = slot(.inputBias), bh = slot(.recurrentBias)
                for b in 0..<batch {
                    let length = lengths?[b] ?? steps
                    var h = (0..<hidden).map { initialState?[(stateIndex * batch + b) * hidden + $0] ?? 0 }
                    let times = direction == 0 ? Array(0..<length) : Array((0..<length).reversed())
                    for t in times {
                        let x = (0..<inputSize).map { layerInput[(t * batch + b) * inputSize + $0] }
                        h = (0..<hidden).map { j in
                            var sum =
                                (bi.map { parameters[$0.offset + j] } ?? 0)
                                + (bh.map { parameters[$0.offset + j] } ?? 0)
                            for k in 0..<inputSize { sum += parameters[wi.offset + j * inputSize + k] * x[k] }
                            for k in 0..<hidden { sum += parameters[wh.offset + j * hidden + k] * h[k] }
                            switch c.nonlinearity {
                            case .tanh: return Foundation.tanh(sum)
                            case .relu: return max(sum, 0)
                            }
                        }
                        for j in 0..<hidden { output[(t * batch + b) * c.outputSize + direction * hidden + j] = h[j] }
                    }
                    for j in 0..<hidden { finalState[(stateIndex * batch + b) * hidden + j] = h[j] }
                }
            }
            layerInput = output
        }
        return (layerInput, finalState)
    }
}
