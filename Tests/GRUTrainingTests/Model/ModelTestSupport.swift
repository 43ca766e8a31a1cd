import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUTraining

/// Deterministic pseudo-random numbers for test data (SplitMix64), independent of the library's
/// generators so that tests do not share their streams.
struct TestNumbers {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-scale, scale).
    mutating func uniform(_ scale: Float = 1) -> Float {
        (Float(next() >> 40) / Float(1 << 24) * 2 - 1) * scale
    }

    /// Uniform in `range`.
    mutating func integer(in range: Range<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}

/// Small examples for `task`: token ids in 1..<vocabularySize (tokens) or features in
/// [-1, 1) (features), one example per entry of `lengths`, with targets of `outputSize`
/// classes or values.
func syntheticExamples(
    task: SequenceTask, lengths: [Int], vocabularySize: Int? = nil, featureCount: Int = 3, outputSize: Int,
    seed: UInt64
) -> [SequenceExample] {
    var numbers = TestNumbers(seed: seed)
    return lengths.enumerated().map { index, length in
        let input: SequenceInput
        if let vocabularySize {
            input = .tokens((0..<length).map { _ in numbers.integer(in: 1..<vocabularySize) })
        } else {
            input = .features((0..<(length * featureCount)).map { _ in numbers.uniform() }, featureCount: featureCount)
        }
        let target: SequenceTarget
        switch task {
        case .classify: target = .classIndex(numbers.integer(in: 0..<outputSize))
        case .tag, .languageModel: target = .stepClasses((0..<length).map { _ in numbers.integer(in: 0..<outputSize) })
        case .forecast: target = .values((0..<outputSize).map { _ in numbers.uniform() })
        case .seq2seq: preconditionFailure("a SequenceModel has no seq2seq examples")
        }
        return SequenceExample(input: input, target: target, source: "synthetic[\(index)]")
    }
}
