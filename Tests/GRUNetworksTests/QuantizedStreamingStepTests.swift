import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// The fused int8 streaming step (`QuantizedPanels.resetAfterStreamingStep`: both products and
/// the gates in one kernel on AVX512-VNNI) computes the same floats as the separate product
/// and gate kernels, which every other version of the int8 product runs: step after step, one
/// layer and two, whole and partial panels, on one thread and shared by two.
@Suite(.tags(.unit))
struct QuantizedStreamingStepTests {
    static let configurations = [
        GRUConfiguration(inputSize: 3, hiddenSize: 5),
        GRUConfiguration(inputSize: 64, hiddenSize: 40, layerCount: 2),
        GRUConfiguration(inputSize: 64, hiddenSize: 128),
        GRUConfiguration(inputSize: 130, hiddenSize: 96),
    ]

    /// The states after each of six steps, from zeros, on `parts` threads.
    static func states(_ session: GRUInferenceSession, parts: Int) throws -> [[Float]] {
        let config = session.configuration
        var generator = SeededGenerator(seed: UInt64(config.inputSize * 31 + config.hiddenSize))
        var state = [Float](repeating: 0, count: config.layerCount * config.hiddenSize)
        var states: [[Float]] = []
        try ThreadTeam.withParts(parts) {
            for _ in 0..<6 {
                let x = (0..<config.inputSize).map { _ in generator.uniform(-1.5, 1.5) }
                try session.step(x, state: &state)
                states.append(state)
            }
        }
        return states
    }

    @Test(arguments: configurations)
    func theFusedStepIsTheSeparateKernels(_ configuration: GRUConfiguration) throws {
        let session = GRUInferenceSession(GRU(configuration: configuration, seed: 6), precision: .int8)
        let fused = try Self.states(session, parts: 1)
        #expect(try Self.states(session, parts: 2) == fused, "shared by two threads")
        for path in QuantizedKernelPath.available(.int8) where path != .avx512 {
            let separate = try QuantizedKernelPath.with(path, for: .int8) { try Self.states(session, parts: 1) }
            #expect(separate == fused, "\(path)")
        }
        // The steps moved the state: equality is not of zeros.
        #expect(fused.last!.contains { abs($0) > 0.05 })
    }
}
