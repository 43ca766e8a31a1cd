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

    /// What data-parallel training rests on: a batch split in two, each half told where its
    /// rows start, draws the whole batch's masks (between layers, recurrent, zoneout), so the
    /// halves' outputs are the whole batch's rows.
    @Test func aRowsMasksDependOnItsPlaceInTheGlobalBatchOnly() throws {
        func dropout(firstRow: Int) -> GRUDropout {
            GRUDropout(betweenLayers: 0.3, recurrent: 0.4, zoneout: 0.2, seed: 11, firstRow: firstRow)
        }
        let whole = try gru.forward(input, dropout: dropout(firstRow: 0)).output
        for split in [1, 15, 39] {
            let head = try gru.forward(rows(input, 0..<split), dropout: dropout(firstRow: 0)).output
            let tail = try gru.forward(rows(input, split..<40), dropout: dropout(firstRow: split)).output
            // Equal up to the products' summation order, which depends on the batch size.
            expectApproximatelyEqual(head, rows(whole, 0..<split), absoluteTolerance: 1e-6, "rows before \(split)")
            expectApproximatelyEqual(tail, rows(whole, split..<40), absoluteTolerance: 1e-6, "rows from \(split)")
            // Told the wrong place, the tail draws other masks: whole units zeroed elsewhere.
            let misplaced = try gru.forward(rows(input, split..<40), dropout: dropout(firstRow: 0)).output
            let difference = zip(misplaced.scalars, rows(whole, split..<40).scalars).map { abs($0 - $1) }.max() ?? 0
            #expect(difference > 0.01)
        }
    }

    /// Rows `range` of a time-major (T, B, F) tensor.
    private func rows(_ tensor: Tensor, _ range: Range<Int>) -> Tensor {
        let (steps, batch, width) = (tensor.shape[0], tensor.shape[1], tensor.shape[2])
        var scalars: [Float] = []
        for t in 0..<steps {
            for b in range { scalars += tensor.scalars[((t * batch + b) * width)..<((t * batch + b + 1) * width)] }
        }
        return Tensor(shape: [steps, range.count, width], scalars: scalars)
    }
}

extension RandomData {
    func tensorValue(_ shape: [Int]) -> Tensor {
        var copy = self
        return copy.tensor(shape)
    }
}
