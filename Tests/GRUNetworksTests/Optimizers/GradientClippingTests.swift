import Foundation
import GRUNetworks
import GRUTestSupport
import Testing

/// Gradient clipping against torch.nn.utils (Tests/Fixtures/training/clipping.safetensors,
/// made by Tools/Reference/make_training_fixtures.py).
@Suite(.tags(.reference))
struct GradientClippingReferenceTests {
    @Test(arguments: ["norm_clipped", "norm_unclipped", "value"])
    func matchesPyTorch(_ name: String) throws {
        let fixture = try TrainingFixture("clipping")
        let settings = try fixture.settings(name)
        var gradients = try fixture.tensor(name, "gradients").scalars
        let original = gradients
        let clipping: GradientClipping =
            settings["clip"] as? String == "norm"
            ? .globalNorm(maximum: settings.float("max_norm")) : .value(limit: settings.float("clip_value"))
        let norm = clipping.apply(to: &gradients)
        expectApproximatelyEqual(
            gradients, try fixture.tensor(name, "clipped").scalars.map(Double.init), absoluteTolerance: 1e-7,
            relativeTolerance: 1e-6, "clipped gradients")
        expectApproximatelyEqual(
            [norm], [Double(globalGradientNorm(of: original))], absoluteTolerance: 0, "returned norm")
        if let expectedNorm = fixture.optionalTensor(name, "norm") {
            expectApproximatelyEqual(
                [norm], expectedNorm.scalars.map(Double.init), absoluteTolerance: 0,
                relativeTolerance: 1e-6, "norm")
        }
        if name == "norm_unclipped" { #expect(gradients == original) }
    }
}

/// Gradient clipping settings through JSON.
@Suite(.tags(.unit))
struct GradientClippingTests {
    @Test func clippingCodesAsJSON() throws {
        let clipping = GradientClipping.globalNorm(maximum: 5)
        let data = try JSONEncoder().encode(clipping)
        #expect(try JSONDecoder().decode(GradientClipping.self, from: data) == clipping)
    }
}
