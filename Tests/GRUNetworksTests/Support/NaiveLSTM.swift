import Foundation
import GRUTensor
import Testing

@testable import GRUNetworks

/// The slow, obvious Double twin of `LSTMLayer` for gradient checks: plain loops over the
/// PyTorch-layout parameters (`LSTMLayer.layout`'s order), the same length masking and the
/// same dropout masks (products see h * mask), time-major.
struct NaiveLSTM {
    let configuration: LSTMConfiguration
    let layout: RecurrentParameterLayout
    var parameters: [Double]
    /// Per layer, the between-layer dropout mask on its input (T, B, D*H), or nil.
    var betweenLayerMasks: [[Double]?] = []
    /// Per layer and direction, the recurrent dropout mask (B, H), or nil.
    var recurrentMasks: [[[Double]?]] = []

    init(_ configuration: LSTMConfiguration, parameters: [Double]) {
        self.configuration = configuration
        layout = LSTMLayer(configuration).layout
        self.parameters = parameters
    }

    /// The twin with the dropout masks a fast forward pass drew.
    init(_ configuration: LSTMConfiguration, parameters: [Float], masksOf trace: RecurrentTrace) {
        self.init(configuration, parameters: parameters.map(Double.init))
        betweenLayerMasks = trace.betweenLayerMasks.map { $0?.array().map(Double.init) }
        recurrentMasks = trace.directions.map { $0.map { $0.recurrentMask?.array().map(Double.init) } }
    }

    /// Output (T, B, D*H), h_n and c_n (L*D, B, H).
    func forward(
        input: [Double], steps: Int, batch: Int, initialState: [Double]?, initialCellState: [Double]?,
        lengths: [Int]?
    ) -> (output: [Double], finalState: [Double], finalCellState: [Double]) {
        let hidden = configuration.hiddenSize, directions = configuration.directionCount
        let lengths = lengths ?? Array(repeating: steps, count: batch)
        let stateCount = configuration.stateCount * batch * hidden
        var finalState = [Double](repeating: 0, count: stateCount)
        var finalCellState = finalState
        var layerInput = input
        let gate = configuration.recurrentActivation.inDouble, act = configuration.activation.inDouble
        for layer in 0..<configuration.layerCount {
            let inputSize = configuration.inputSize(ofLayer: layer)
            if layer < betweenLayerMasks.count, let mask = betweenLayerMasks[layer] {
                layerInput = zip(layerInput, mask).map(*)
            }
            var output = [Double](repeating: 0, count: steps * batch * configuration.outputSize)
            for direction in 0..<directions {
                func at(_ role: RecurrentParameterRole) -> Int? {
                    layout.slot(role, layer: layer, direction: direction)?.offset
                }
                let wih = at(.inputWeight)!, whh = at(.recurrentWeight)!, bih = at(.inputBias), bhh = at(.recurrentBias)
                let index = (layer * directions + direction) * batch * hidden
                var h =
                    initialState.map { Array($0[index..<(index + batch * hidden)]) }
                    ?? Array(repeating: 0, count: batch * hidden)
                var c =
                    initialCellState.map { Array($0[index..<(index + batch * hidden)]) }
                    ?? Array(repeating: 0, count: batch * hidden)
                let mask = layer < recurrentMasks.count ? recurrentMasks[layer][direction] : nil
                for step in 0..<steps {
                    let t = direction == 1 ? steps - 1 - step : step
                    var nextH = h, nextC = c
                    for b in 0..<batch where t < lengths[b] {
                        let x = Array(layerInput[((t * batch + b) * inputSize)..<((t * batch + b + 1) * inputSize)])
                        let hm = (0..<hidden).map { h[b * hidden + $0] * (mask?[b * hidden + $0] ?? 1) }
                        for u in 0..<hidden {
                            var a = [Double](repeating: 0, count: 4)
                            for gate in 0..<4 {
                                let row = gate * hidden + u
                                var sum =
                                    (bih.map { parameters[$0 + row] } ?? 0) + (bhh.map { parameters[$0 + row] } ?? 0)
                                for k in 0..<inputSize { sum += parameters[wih + row * inputSize + k] * x[k] }
                                for k in 0..<hidden { sum += parameters[whh + row * hidden + k] * hm[k] }
                                a[gate] = sum
                            }
                            let cell = gate(a[1]) * c[b * hidden + u] + gate(a[0]) * act(a[2])
                            nextC[b * hidden + u] = cell
                            nextH[b * hidden + u] = gate(a[3]) * act(cell)
                            output[(t * batch + b) * configuration.outputSize + direction * hidden + u] =
                                nextH[b * hidden + u]
                        }
                    }
                    h = nextH
                    c = nextC
                }
                finalState.replaceSubrange(index..<(index + batch * hidden), with: h)
                finalCellState.replaceSubrange(index..<(index + batch * hidden), with: c)
            }
            layerInput = output
        }
        return (layerInput, finalState, finalCellState)
    }
}

extension RecurrentLayer {
    /// The layer's flat parameter buffer from tensors under PyTorch's names.
    func flatWeights(from tensors: [String: Tensor]) throws -> [Float] {
        var flat = [Float](repeating: 0, count: layout.count)
        for slot in layout.slots {
            let tensor = try #require(tensors[slot.name], "tensor \(slot.name)")
            try #require(tensor.shape == slot.shape, "shape of \(slot.name)")
            flat.replaceSubrange(slot.offset..<(slot.offset + slot.count), with: tensor.scalars)
        }
        return flat
    }

    /// The tensors of a flat parameter buffer under PyTorch's names.
    func namedTensors(of flat: [Float]) -> [String: Tensor] {
        Dictionary(
            uniqueKeysWithValues: layout.slots.map {
                ($0.name, Tensor(shape: $0.shape, scalars: Array(flat[$0.offset..<($0.offset + $0.count)])))
            })
    }
}
