import Foundation
import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// `GRUInitialization.keras` against real Keras 3: Tests/Fixtures/keras-initialization/statistics.json,
/// made by Tools/Reference/make_keras_initialization_fixtures.py, summarizes what Keras's default
/// initializers draw for a GRU (two shapes), Dense (two shapes) and Embedding over 200 seeds, per
/// tensor in PyTorch layout: each per-seed statistic's mean and standard deviation over the seeds.
///
/// GRUKit draws its own 50 seeds and computes the same statistics. Tolerances:
/// - each statistic's mean within 4 standard errors of the difference of two independent means,
///   4 * sqrt(s_keras^2 / n_keras + s_gruKit^2 / n_gruKit) (plus 1e-7 for statistics that do not
///   vary, such as a zero bias's);
/// - a uniform tensor's values within Keras's bound, and their largest magnitude above 0.99 of it;
/// - the recurrent kernel's |W^T W - I| below 1e-5 (Keras's float32 QR reaches about 5e-7);
/// - a zero tensor exactly zero.
/// `wrongSchemeIsRejected` checks that these tolerances reject `.pytorch` for every tensor.
@Suite(.tags(.reference))
struct KerasInitializationReferenceTests {
    static let fixtureURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/keras-initialization/statistics.json")

    static let seedCount = 50
    static let standardErrors = 4.0
    static let orthogonalityLimit = 1e-5

    @Test func fixtureCoversEveryLayer() throws {
        let fixture = try KerasInitializationFixture.load()
        // GRU x2 (4 tensors each), Dense x2 (weight, bias), Embedding (weight).
        #expect(fixture.tensors.count == 13)
        #expect(Set(fixture.tensors.map(\.layer)) == ["gru", "dense", "embedding"])
        let recurrentKernels = fixture.tensors.filter { $0.tensor == "weight_hh_l0" }
        #expect(recurrentKernels.count == 2 && recurrentKernels.allSatisfy { $0.largestOrthogonalityError != nil })
    }

    @Test func kerasSchemeMatchesKeras() throws {
        let fixture = try KerasInitializationFixture.load()
        for entry in fixture.tensors {
            for mismatch in Self.mismatches(of: .keras, against: entry, kerasSeedCount: fixture.seedCount) {
                Issue.record("\(entry.label): \(mismatch)")
            }
        }
    }

    /// The comparison can fail: PyTorch's scheme differs from Keras's in every tensor.
    @Test func wrongSchemeIsRejected() throws {
        let fixture = try KerasInitializationFixture.load()
        for entry in fixture.tensors {
            let mismatches = Self.mismatches(of: .pytorch, against: entry, kerasSeedCount: fixture.seedCount)
            #expect(!mismatches.isEmpty, "\(entry.label): .pytorch passes as Keras's initialization")
        }
    }

    // MARK: - Comparison

    /// What differs between GRUKit's `scheme` and Keras's statistics for one tensor, one line each.
    static func mismatches(
        of scheme: GRUInitialization, against entry: KerasInitializationFixture.Entry, kerasSeedCount: Int
    ) -> [String] {
        let draws = (0..<seedCount).map { draw(entry, scheme: scheme, seed: UInt64($0)) }
        var found: [String] = []
        if draws[0].shape != entry.shape { return ["shape \(draws[0].shape), expected \(entry.shape)"] }
        if entry.allZero, let value = draws.lazy.flatMap(\.values).first(where: { $0 != 0 }) {
            found.append("expected zeros, found \(value)")
        }
        let largest = Double(draws.lazy.flatMap(\.values).map(abs).max() ?? 0)
        if let bound = entry.bound, !(largest <= bound * (1 + 1e-6) && largest > 0.99 * bound) {
            found.append("largest magnitude \(largest), expected in (0.99, 1] x Keras's bound \(bound)")
        }
        if entry.largestOrthogonalityError != nil {
            let error = draws.map(orthogonalityError).max() ?? .infinity
            if !(error < orthogonalityLimit) {
                found.append("|W^T W - I| reaches \(error), expected below \(orthogonalityLimit)")
            }
        }
        let perSeed = draws.map { statistics(of: $0, withBlocks: entry.largestOrthogonalityError != nil) }
        for (name, keras) in entry.statistics.sorted(by: { $0.key < $1.key }) {
            guard perSeed[0][name] != nil else {
                found.append("no GRUKit statistic '\(name)'")
                continue
            }
            let values = perSeed.map { $0[name]! }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
            let standardError =
                (keras.standardDeviation * keras.standardDeviation / Double(kerasSeedCount)
                + variance / Double(values.count)).squareRoot()
            let tolerance = standardErrors * standardError + 1e-7
            if !(abs(mean - keras.mean) <= tolerance) {
                found.append("\(name) averages \(mean), Keras \(keras.mean) (tolerance \(tolerance))")
            }
        }
        return found
    }

    /// One tensor as GRUKit's `scheme` draws it for the entry's layer.
    static func draw(
        _ entry: KerasInitializationFixture.Entry, scheme: GRUInitialization, seed: UInt64
    ) -> (shape: [Int], values: [Float]) {
        let sizes = entry.sizes
        switch entry.layer {
        case "gru":
            let configuration = GRUConfiguration(inputSize: sizes["input_size"]!, hiddenSize: sizes["hidden_size"]!)
            let parameters = GRUParameters(configuration: configuration, initialization: scheme, seed: seed)
            let tensor = PyTorchGRUNames.namedTensors(of: parameters).first { $0.name == entry.tensor }!.tensor
            return (tensor.shape, tensor.scalars)
        case "dense":
            return slot(
                entry.tensor, of: Linear(inputSize: sizes["input_size"]!, outputSize: sizes["output_size"]!),
                scheme: scheme, seed: seed)
        default:
            let embedding = Embedding(vocabularySize: sizes["vocabulary_size"]!, dimension: sizes["dimension"]!)
            return slot(entry.tensor, of: embedding, scheme: scheme, seed: seed)
        }
    }

    static func slot(
        _ name: String, of layer: some ParameterizedLayer, scheme: GRUInitialization, seed: UInt64
    ) -> (shape: [Int], values: [Float]) {
        var values = [Float](repeating: .nan, count: layer.parameterCount)
        var generator = SeededGenerator(seed: seed)
        values.withUnsafeMutableBufferPointer { layer.initialize($0, using: &generator, as: scheme) }
        let slot = layer.slot(named: name)!
        return (slot.shape, Array(values[slot.offset..<(slot.offset + slot.count)]))
    }

    /// Mean, standard deviation, minimum and maximum of the elements; with `withBlocks`, per gate
    /// block W_g (H, H) of W_hh (3H, H) the mean of its squared singular values, ||W_g||_F^2 / H,
    /// and of their fourth powers, ||W_g^T W_g||_F^2 / H, under the fixture's names.
    static func statistics(of draw: (shape: [Int], values: [Float]), withBlocks: Bool) -> [String: Double] {
        let values = draw.values.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        var result = [
            "mean": mean, "standard_deviation": variance.squareRoot(),
            "minimum": values.min()!, "maximum": values.max()!,
        ]
        guard withBlocks else { return result }
        let hidden = draw.shape[1]
        for (gate, name) in ["r", "z", "n"].enumerated() {
            let block = Array(values[(gate * hidden * hidden)..<((gate + 1) * hidden * hidden)])  // (H, H)
            let gram = gramMatrix(block, rows: hidden, columns: hidden)
            result["\(name).mean_squared_singular_value"] = block.map { $0 * $0 }.reduce(0, +) / Double(hidden)
            result["\(name).mean_fourth_power_singular_value"] = gram.map { $0 * $0 }.reduce(0, +) / Double(hidden)
        }
        return result
    }

    /// max |W^T W - I| of a (rows, columns) row-major W.
    static func orthogonalityError(_ draw: (shape: [Int], values: [Float])) -> Double {
        let columns = draw.shape[1]
        let gram = gramMatrix(draw.values.map(Double.init), rows: draw.shape[0], columns: columns)
        let deviations = gram.enumerated().map { index, value in
            abs(value - (index / columns == index % columns ? 1 : 0))
        }
        return deviations.max()!
    }

    /// W^T W (columns, columns) of a (rows, columns) row-major W.
    static func gramMatrix(_ w: [Double], rows: Int, columns: Int) -> [Double] {
        var gram = [Double](repeating: 0, count: columns * columns)
        for row in 0..<rows {
            for i in 0..<columns {
                let wi = w[row * columns + i]
                for j in 0..<columns { gram[i * columns + j] += wi * w[row * columns + j] }
            }
        }
        return gram
    }
}

/// Tests/Fixtures/keras-initialization/statistics.json.
struct KerasInitializationFixture: Decodable {
    /// One tensor of one Keras layer shape.
    struct Entry: Decodable {
        let layer: String
        let sizes: [String: Int]
        let tensor: String
        let shape: [Int]
        let allZero: Bool
        let bound: Double?
        let largestOrthogonalityError: Double?
        let statistics: [String: Summary]

        var label: String { "\(layer) \(sizes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }) \(tensor)" }
    }

    /// A per-seed statistic over Keras's seeds.
    struct Summary: Decodable {
        let mean: Double
        let standardDeviation: Double
    }

    let generator: String
    let seedCount: Int
    let tensors: [Entry]

    static func load() throws -> KerasInitializationFixture {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(
            KerasInitializationFixture.self, from: Data(contentsOf: KerasInitializationReferenceTests.fixtureURL))
    }
}
