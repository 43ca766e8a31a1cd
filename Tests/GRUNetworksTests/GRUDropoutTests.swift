import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUNetworks

/// Dropout inside the GRU: off at rate zero, inverted scaling, seeded, one recurrent mask per
/// sequence. Its gradients are checked with the others in GRUGradientCheckTests.
@Suite(.tags(.unit))
struct GRUDropoutTests {
    let gru = GRU(configuration: GRUConfiguration(inputSize: 4, hiddenSize: 6, layerCount: 2), seed: 2)
    let input = RandomData(seed: 3).tensorValue([5, 40, 4])

    @Test func zeroRatesChangeNothing() throws {
        let plain = try gru.forward(input)
        let zero = try gru.forward(input, dropout: GRUDropout(seed: 1))
        #expect(plain.output == zero.output)
        #expect(zero.trace.betweenLayerMasks.allSatisfy { $0 == nil })
    }

    @Test func masksAreInvertedSeededAndNearTheRate() throws {
        let dropout = GRUDropout(betweenLayers: 0.25, recurrent: 0.5, seed: 8)
        let a = try gru.forward(input, dropout: dropout)
        let b = try gru.forward(input, dropout: dropout)
        #expect(a.output == b.output)
        let other = try gru.forward(input, dropout: GRUDropout(betweenLayers: 0.25, recurrent: 0.5, seed: 9))
        #expect(a.output != other.output)

        let between = try #require(a.trace.betweenLayerMasks[1]).array()
        #expect(Set(between) == [0, 1 / 0.75])
        let dropped = Float(between.filter { $0 == 0 }.count) / Float(between.count)
        #expect(abs(dropped - 0.25) < 0.05)
        let recurrent = try #require(a.trace.directions[0][0].recurrentMask).array()
        #expect(recurrent.count == 40 * 6)  // (B, H): one mask per sequence for all steps
        #expect(Set(recurrent) == [0, 2])
    }
}

extension RandomData {
    func tensorValue(_ shape: [Int]) -> Tensor {
        var copy = self
        return copy.tensor(shape)
    }
}
