import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// Zoneout and weight-drop against PyTorch: the fixtures in Tests/Fixtures/regularizers, made by
/// Tools/Reference/make_regularizer_fixtures.py, run torch.nn.GRUCell (float64) in a stacked,
/// bidirectional, length-aware loop with the regularizers written out around it and fixed masks,
/// and hold the output, the final state and autograd's gradients of sum(output * grad_output) +
/// sum(final_state * grad_final_state). GRUKit runs the same masks through
/// `GRUDropout.zoneoutMasks` and `weightDropMasks`; the inference case runs no dropout settings
/// on a layer whose `zoneout` is the fixture's.
///
/// Tolerances: forward within 1e-5 absolute; each gradient within 1e-4 absolute.
@Suite(.tags(.reference))
struct RegularizerReferenceTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/regularizers")

    static let fixtureNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") }.sorted()
    }()

    @Test func everyCaseIsPresent() {
        #expect(
            Self.fixtureNames == [
                "both_l1_uni.safetensors", "weight_drop_l2_bi.safetensors", "zoneout_inference_l2_bi.safetensors",
                "zoneout_l2_bi.safetensors",
            ])
    }

    @Test(arguments: fixtureNames)
    func matchesPyTorch(_ name: String) throws {
        let fixture = try RegularizerFixture(name)
        let result = try fixture.forward(dropout: try fixture.dropout())
        expectApproximatelyEqual(
            result.output, try fixture.file.require("output"), absoluteTolerance: 1e-5, "\(name) output")
        expectApproximatelyEqual(
            result.finalState, try fixture.file.require("final_state"), absoluteTolerance: 1e-5, "\(name) final state")

        var gradients = GRUParameters(zerosFor: fixture.gru.configuration)
        let stateGradients = try fixture.gru.parameters.values.withUnsafeBufferPointer { weights in
            try gradients.values.withUnsafeMutableBufferPointer {
                try fixture.layer.backward(
                    result, outputGradient: try fixture.file.require("grad_output"),
                    finalStateGradient: try fixture.file.require("grad_final_state"), weights: weights, gradients: $0)
            }
        }
        func expectGradient(_ actual: Tensor, _ key: String) throws {
            expectApproximatelyEqual(
                actual, try fixture.file.require("grad." + key), absoluteTolerance: 1e-4, "\(name) gradient of \(key)")
        }
        try expectGradient(stateGradients.input, "input")
        try expectGradient(stateGradients.initialState, "initial_state")
        for (weightName, gradient) in PyTorchGRUNames.namedTensors(of: gradients) {
            try expectGradient(gradient, weightName)
        }
    }

    /// The comparison can fail: without the regularizers the output is far from PyTorch's.
    @Test(arguments: fixtureNames)
    func theRegularizersMatter(_ name: String) throws {
        let fixture = try RegularizerFixture(name)
        let plain = GRULayer(fixture.gru.configuration)
        let output = try fixture.gru.parameters.values.withUnsafeBufferPointer {
            try plain.forward(
                try fixture.file.require("input"), initialState: fixture.file["initial_state"],
                lengths: fixture.lengths, weights: $0
            ).output.scalars
        }
        let expected = try fixture.file.require("output").scalars
        let difference = zip(output, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(difference > 1e-2, "\(name): output \(difference) from PyTorch's without regularizers")
    }
}

/// One file of Tests/Fixtures/regularizers: a GRU in PyTorch names, its lengths and masks.
struct RegularizerFixture {
    static let nonWeightNames: Set<String> = [
        "input", "initial_state", "lengths", "zoneout_mask", "weight_drop_mask", "output", "final_state",
        "grad_output", "grad_final_state",
    ]

    let file: SafetensorsFile
    let gru: GRU
    let layer: GRULayer
    let lengths: [Int]
    let isTraining: Bool

    init(_ name: String) throws {
        file = try SafetensorsFile.read(
            contentsOf: RegularizerReferenceTests.directory.appendingPathComponent(name))
        var weights: [String: Tensor] = [:]
        for tensorName in file.names where !Self.nonWeightNames.contains(tensorName) && !tensorName.hasPrefix("grad.") {
            weights[tensorName] = file[tensorName]
        }
        gru = GRU(parameters: try PyTorchGRUNames.parameters(from: weights, variant: .resetAfter))
        #expect(gru.configuration.layerCount == Int(file.metadata["num_layers"] ?? ""))
        #expect(gru.configuration.isBidirectional == (file.metadata["bidirectional"] == "true"))
        isTraining = file.metadata["training"] == "true"
        let zoneout = try #require(Float(file.metadata["zoneout"] ?? ""))
        layer = GRULayer(gru.configuration, zoneout: zoneout)
        lengths = try file.require("lengths").scalars.map { Int($0) }
    }

    /// The fixture's masks as training dropout settings, or nil for the inference case.
    func dropout() throws -> GRUDropout? {
        guard isTraining else { return nil }
        var dropout = GRUDropout(
            zoneout: try #require(Float(file.metadata["zoneout"] ?? "")),
            weightDrop: try #require(Float(file.metadata["weight_drop"] ?? "")), seed: 0)
        dropout.zoneoutMasks = file["zoneout_mask"].map(Self.perState)
        dropout.weightDropMasks = file["weight_drop_mask"].map(Self.perState)
        return dropout
    }

    func forward(dropout: GRUDropout?) throws -> RecurrentForwardResult {
        try gru.parameters.values.withUnsafeBufferPointer {
            try layer.forward(
                try file.require("input"), initialState: file["initial_state"], lengths: lengths, weights: $0,
                dropout: dropout)
        }
    }

    /// A (L*D, ...) tensor as one flat array per layer and direction.
    private static func perState(_ masks: Tensor) -> [[Float]] {
        let size = masks.count / masks.shape[0]
        return (0..<masks.shape[0]).map { Array(masks.scalars[($0 * size)..<(($0 + 1) * size)]) }
    }
}
