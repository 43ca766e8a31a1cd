import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// MLX's own GRU against GRUKit: Tests/Fixtures/mlx, made by Tools/Reference/make_mlx_fixtures.py
/// with the real mlx (0.32.4, CPU), holds an `mlx.nn.GRU`'s parameters as `mx.save_safetensors`
/// wrote them (Wx, Wh, b, bhn) and its outputs on a fixed batch-first input without a state, with
/// a zero state and with a given state. GRUKit loads the parameters through `MLXGRUNames`.
///
/// Tolerance: 1e-5 absolute (both sides compute in float32, in different orders).
@Suite(.tags(.reference))
struct MLXGRUReferenceTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mlx")

    let io: SafetensorsFile
    let gru: GRU

    init() throws {
        io = try SafetensorsFile.read(contentsOf: Self.directory.appendingPathComponent("io.safetensors"))
        let weights = try SafetensorsFile.read(contentsOf: Self.directory.appendingPathComponent("gru.safetensors"))
        #expect(Set(weights.names) == MLXGRUNames.names)
        gru = GRU(
            parameters: try MLXGRUNames.parameters(
                from: Dictionary(uniqueKeysWithValues: weights.names.map { ($0, weights[$0]!) })))
    }

    @Test func theFixtureIsMLXsOwn() {
        #expect(io.metadata["mlx"] == "0.32.4")
        #expect(gru.configuration == GRUConfiguration(inputSize: 3, hiddenSize: 4))
    }

    /// mlx 0.32.4 adds r * bhn on the first step without a state too, so both its outputs equal
    /// GRUKit's from a zero state.
    @Test(arguments: ["output_no_state", "output_zero_state"])
    func matchesMLXFromAZeroState(_ name: String) throws {
        let result = try gru.forward(try io.require("input"), layout: .batchFirst)
        expectApproximatelyEqual(result.output, try io.require(name), absoluteTolerance: 1e-5, name)
    }

    @Test func matchesMLXFromAGivenState() throws {
        let state = try io.require("initial_state")  // (N, H); GRUKit's is (layers * D, B, H)
        let result = try gru.forward(
            try io.require("input"), initialState: Tensor(shape: [1] + state.shape, scalars: state.scalars),
            layout: .batchFirst)
        expectApproximatelyEqual(
            result.output, try io.require("output_initial_state"), absoluteTolerance: 1e-5, "output_initial_state")
    }

    /// The fixture's parameters written back under MLX's names are the file's, bit for bit.
    @Test func writesTheFixturesTensorsBack() throws {
        let weights = try SafetensorsFile.read(contentsOf: Self.directory.appendingPathComponent("gru.safetensors"))
        for (name, tensor) in try MLXGRUNames.namedTensors(of: gru.parameters) {
            #expect(tensor == weights[name], "\(name)")
        }
    }
}
