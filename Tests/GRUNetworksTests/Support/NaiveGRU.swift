import Foundation
import GRUNetworks
import GRUTensor

/// The slow, obvious twin of `GRU.forward`: scalar loops in Double straight from the equations
/// on `GRUVariant` with the configuration's activations, one sequence and one step at a time.
/// Used for the fast-vs-naive check and as the function that finite differences perturb.
///
/// Legend: T steps, B batch, I input size, H hidden size, D directions. Time-major in and out.
struct NaiveGRU {
    let configuration: GRUConfiguration
    /// The flat parameter buffer in `GRUParameters` layout.
    var parameters: [Double]
    let layout: RecurrentParameterLayout
    /// Per layer, the dropout mask on its input (T, B, D*H); nil for none.
    var betweenLayerMasks: [[Double]?] = []
    /// Per layer and direction, the recurrent dropout mask (B, H); nil for none.
    var recurrentMasks: [[[Double]?]] = []
    /// Per layer and direction, the zoneout keep mask (T, B, H) by time; nil for none.
    var zoneoutMasks: [[[Double]?]] = []
    /// Zoneout's keep factor where there is no mask (inference's expectation); 0 for none.
    var zoneoutExpectation: Double = 0
    /// Per layer and direction, weight-drop's factors on W_hh (3H, H); nil for none.
    var weightDropMasks: [[[Double]?]] = []

    init(_ parameters: GRUParameters) {
        configuration = parameters.configuration
        self.parameters = parameters.values.map(Double.init)
        layout = parameters.layout
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
            if layer < betweenLayerMasks.count, let mask = betweenLayerMasks[layer] {
                layerInput = zip(layerInput, mask).map(*)
            }
            let inputSize = c.inputSize(ofLayer: layer)
            var output = [Double](repeating: 0, count: steps * batch * c.outputSize)
            for direction in 0..<directions {
                let stateIndex = layer * directions + direction
                for b in 0..<batch {
                    let length = lengths?[b] ?? steps
                    var h = (0..<hidden).map { initialState?[(stateIndex * batch + b) * hidden + $0] ?? 0 }
                    let times = direction == 0 ? Array(0..<length) : Array((0..<length).reversed())
                    for t in times {
                        let x = Array(layerInput[((t * batch + b) * inputSize)...].prefix(inputSize))
                        let mask = layer < recurrentMasks.count ? recurrentMasks[layer][direction] : nil
                        let recurrentH = mask.map { m in (0..<hidden).map { h[$0] * m[b * hidden + $0] } } ?? h
                        let candidate = cell(
                            x: x, h: h, recurrentH: recurrentH, layer: layer, direction: direction, inputSize: inputSize
                        )
                        let zoneout = layer < zoneoutMasks.count ? zoneoutMasks[layer][direction] : nil
                        h = (0..<hidden).map { j in
                            let m = zoneout.map { $0[(t * batch + b) * hidden + j] } ?? zoneoutExpectation
                            return m * h[j] + (1 - m) * candidate[j]
                        }
                        for j in 0..<hidden {
                            output[(t * batch + b) * c.outputSize + direction * hidden + j] = h[j]
                        }
                    }
                    for j in 0..<hidden { finalState[(stateIndex * batch + b) * hidden + j] = h[j] }
                }
            }
            layerInput = output
        }
        return (layerInput, finalState)
    }

    /// One step; `recurrentH` (h under recurrent dropout) feeds the recurrent products, `h` the update.
    private func cell(
        x: [Double], h: [Double], recurrentH: [Double], layer: Int, direction: Int, inputSize: Int
    ) -> [Double] {
        let hidden = configuration.hiddenSize
        let wi = slot(.inputWeight, layer, direction)!, wh = slot(.recurrentWeight, layer, direction)!
        let bi = slot(.inputBias, layer, direction), bh = slot(.recurrentBias, layer, direction)
        func inputTerm(_ row: Int) -> Double {
            var sum = bi.map { parameters[$0.offset + row] } ?? 0
            for k in 0..<inputSize { sum += parameters[wi.offset + row * inputSize + k] * x[k] }
            return sum
        }
        let weightDrop = layer < weightDropMasks.count ? weightDropMasks[layer][direction] : nil
        func recurrentTerm(_ row: Int, _ state: [Double]) -> Double {
            var sum = bh.map { parameters[$0.offset + row] } ?? 0
            for k in 0..<hidden {
                let factor = weightDrop?[row * hidden + k] ?? 1
                sum += parameters[wh.offset + row * hidden + k] * factor * state[k]
            }
            return sum
        }
        let gate = configuration.recurrentActivation.inDouble, act = configuration.activation.inDouble
        let r = (0..<hidden).map { gate(inputTerm($0) + recurrentTerm($0, recurrentH)) }
        let z = (0..<hidden).map { gate(inputTerm(hidden + $0) + recurrentTerm(hidden + $0, recurrentH)) }
        let resetState = zip(r, recurrentH).map { $0 * $1 }
        let n = (0..<hidden).map { j -> Double in
            switch configuration.variant {
            case .resetAfter:
                return act(inputTerm(2 * hidden + j) + r[j] * recurrentTerm(2 * hidden + j, recurrentH))
            case .resetBefore:
                return act(inputTerm(2 * hidden + j) + recurrentTerm(2 * hidden + j, resetState))
            }
        }
        return (0..<hidden).map { (1 - z[$0]) * n[$0] + z[$0] * h[$0] }
    }

    private func slot(_ role: RecurrentParameterRole, _ layer: Int, _ direction: Int) -> LayerParameterSlot? {
        layout.slot(role, layer: layer, direction: direction)
    }
}
