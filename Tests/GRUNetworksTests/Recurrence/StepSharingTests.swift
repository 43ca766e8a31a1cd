import GRUTensor
import Testing

@testable import GRUNetworks

/// How inference sweeps share their steps: by rows when W_hh fits one core's L2 or half of it
/// does not, by units in between, so the sessions' tests with `unitsSharingHidden` take the
/// units path on any machine.
@Suite(.tags(.unit))
struct StepSharingTests {
    @Test func inferenceSharesByUnitsWhenOnlyAThreadsShareOfTheWeightsFitsL2() {
        ThreadTeam.withParts(2) {
            for (gates, hidden, byRows) in [
                (3, unitsSharingHidden(gates: 3), false), (4, unitsSharingHidden(gates: 4), false),
                (3, 64, true), (3, 4 * unitsSharingHidden(gates: 3), true),
            ] {
                let matrix = [Float](repeating: 0.5, count: 3 * hidden * hidden)
                let weights = PackedRecurrentWeights(hidden: hidden, recurrentWeight: matrix, recurrentBias: nil)
                let sharing = StepSharing.forInference(
                    batch: 16, weights: weights, recurrentValues: gates * hidden * hidden)
                #expect(sharing.byRows == byRows, "gates \(gates), H \(hidden)")
                #expect(sharing.parts == 2)
                // Training keeps rows.
                #expect(StepSharing(batch: 16, weights: weights).byRows)
            }
        }
    }
}
