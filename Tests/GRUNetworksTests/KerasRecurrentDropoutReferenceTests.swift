import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// Recurrent dropout against Keras 3: the fixtures in Tests/Fixtures/keras-recurrent-dropout, made
/// by Tools/Reference/make_keras_dropout_fixtures.py, run Keras's own GRUCell (reset_after true and
/// false, float64) with a fixed recurrent mask injected, one per layer and direction, and hold the
/// output, the final state and jax.grad's gradients of sum(output * grad_output) +
/// sum(final_state * grad_final_state), in PyTorch layout. GRUKit runs the same masks through
/// `GRUDropout.recurrentMasks`.
///
/// Keras draws one mask per gate; GRUKit one for all three, so the fixture injects the same mask
/// into Keras's three.
///
/// Tolerances: forward within 1e-5 absolute; each gradient within 1e-5 absolute plus 1e-5 of its
/// largest magnitude (GRUKit computes in float32, the reference in float64).
@Suite(.tags(.reference))
struct KerasRecurrentDropoutReferenceTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/keras-recurrent-dropout")

    static let fixtureNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") }.sorted()
    }()

    static let nonWeightNames: Set<String> = [
        "input", "initial_state", "recurrent_mask", "output", "final_state", "grad_output", "grad_final_state",
    ]

    @Test func everyCaseIsPresent() {
        // Both variants, each as 1 layer unidirectional and 2 layers bidirectional.
        #expect(
            Self.fixtureNames == [
                "ra_l1_uni.safetensors", "ra_l2_bi.safetensors", "rb_l1_uni.safetensors", "rb_l2_bi.safetensors",
            ])
    }

    @Test(arguments: fixtureNames)
    func matchesKeras(_ name: String) throws {
        let fixture = try KerasDropoutFixture(name)
        let result = try fixture.gru.forward(
            try fixture.file.require("input"), initialState: fixture.file["initial_state"],
            dropout: try fixture.dropout())
        expectApproximatelyEqual(
            result.output, try fixture.file.require("output"), absoluteTolerance: 1e-5, "\(name) output")
        expectApproximatelyEqual(
            result.finalState, try fixture.file.require("final_state"), absoluteTolerance: 1e-5, "\(name) final state")

        let gradients = try fixture.gru.backward(
            result, outputGradient: try fixture.file.require("grad_output"),
            finalStateGradient: try fixture.file.require("grad_final_state"))
        func expectGradient(_ actual: Tensor, _ key: String) throws {
            expectApproximatelyEqual(
                actual, try fixture.file.require("grad." + key), absoluteTolerance: 1e-5, relativeTolerance: 1e-5,
                "\(name) gradient of \(key)")
        }
        try expectGradient(gradients.input, "input")
        try expectGradient(gradients.initialState, "initial_state")
        for (weightName, gradient) in PyTorchGRUNames.namedTensors(of: gradients.parameters) {
            try expectGradient(gradient, weightName)
        }
    }

    /// The comparison can fail: without the masks, or with each layer's and direction's masks
    /// in the wrong order, the output is far from Keras's.
    @Test(arguments: fixtureNames)
    func theMasksMatter(_ name: String) throws {
        let fixture = try KerasDropoutFixture(name)
        let expected = try fixture.file.require("output").scalars
        var dropouts = [GRUDropout?.none]
        var reversed = try fixture.dropout()
        reversed.recurrentMasks?.reverse()
        if reversed.recurrentMasks!.count > 1 { dropouts.append(reversed) }
        for dropout in dropouts {
            let output = try fixture.gru.forward(
                try fixture.file.require("input"), initialState: fixture.file["initial_state"],
                dropout: dropout
            ).output.scalars
            let difference = zip(output, expected).map { abs($0 - $1) }.max() ?? 0
            let masks = dropout == nil ? "off" : "reversed"
            #expect(difference > 1e-2, "\(name): output \(difference) from Keras's with masks \(masks)")
        }
    }
}

/// One file of Tests/Fixtures/keras-recurrent-dropout: a GRU in PyTorch names and its masks.
struct KerasDropoutFixture {
    let file: SafetensorsFile
    let gru: GRU

    init(_ name: String) throws {
        let tests = KerasRecurrentDropoutReferenceTests.self
        file = try SafetensorsFile.read(contentsOf: tests.directory.appendingPathComponent(name))
        let variant = try #require(GRUVariant(rawValue: file.metadata["variant"] ?? ""))
        var weights: [String: Tensor] = [:]
        for tensorName in file.names
        where !tests.nonWeightNames.contains(tensorName) && !tensorName.hasPrefix("grad.") {
            weights[tensorName] = file[tensorName]
        }
        gru = GRU(parameters: try PyTorchGRUNames.parameters(from: weights, variant: variant))
        #expect(gru.configuration.layerCount == Int(file.metadata["num_layers"] ?? ""))
        #expect(gru.configuration.isBidirectional == (file.metadata["bidirectional"] == "true"))
    }

    /// Recurrent dropout at the fixture's rate with its masks, (L*D, B, H), one (B, H) per state.
    func dropout() throws -> GRUDropout {
        let masks = try file.require("recurrent_mask")
        let rate = try #require(Float(file.metadata["recurrent_dropout"] ?? ""))
        var dropout = GRUDropout(recurrent: rate, seed: 0)
        let size = masks.shape[1] * masks.shape[2]
        dropout.recurrentMasks = (0..<masks.shape[0]).map { Array(masks.scalars[($0 * size)..<(($0 + 1) * size)]) }
        return dropout
    }
}
