import GRUTensor
import GRUTestSupport
import Testing

@Suite(.tags(.unit))
struct TensorTests {
    @Test func swappingFirstTwoAxesTransposesAndIsItsOwnInverse() {
        let tensor = Tensor(shape: [2, 3, 2], scalars: (0..<12).map(Float.init))
        let swapped = tensor.swappingFirstTwoAxes()
        #expect(swapped.shape == [3, 2, 2])
        // swapped[j][i][k] == tensor[i][j][k]
        #expect(swapped.scalars == [0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11])
        #expect(swapped.swappingFirstTwoAxes() == tensor)
    }

    @Test func reshapedKeepsScalars() {
        let tensor = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(tensor.reshaped(to: [3, 2]).scalars == tensor.scalars)
        #expect(tensor.reshaped(to: [6]).shape == [6])
    }

    @Test func finiteness() {
        #expect(Tensor(shape: [2], scalars: [1, 2]).isFinite)
        #expect(!Tensor(shape: [2], scalars: [1, .nan]).isFinite)
        #expect(!Tensor(shape: [1], scalars: [-.infinity]).isFinite)
    }

    @Test func seededGeneratorRepeats() {
        var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
        #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
        var c = SeededGenerator(seed: 1)
        let samples = (0..<10_000).map { _ in c.uniform(-2, 3) }
        #expect(samples.allSatisfy { $0 >= -2 && $0 < 3 })
        let mean = samples.reduce(0, +) / Float(samples.count)
        #expect(abs(mean - 0.5) < 0.08)  // about 5.5 standard errors
    }
}

/// The choice of OpenBLAS kernel set when its own CPU detection falls back to generic kernels.
@Suite(.tags(.unit))
struct BLASKernelSelectionTests {
    let avx512: Set<String> = ["sse2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl"]

    @Test func genericDetectionOnAnAVX512ProcessorAsksForSkylakeX() {
        #expect(BLASLibrary.fasterCoreType(current: "Prescott", cpuFlags: avx512) == "SkylakeX")
    }

    @Test func genericDetectionOnAnAVX2ProcessorAsksForHaswell() {
        #expect(BLASLibrary.fasterCoreType(current: "Prescott", cpuFlags: ["avx", "avx2", "fma"]) == "Haswell")
    }

    @Test func aRecognizedProcessorKeepsItsKernels() {
        #expect(BLASLibrary.fasterCoreType(current: "SkylakeX", cpuFlags: avx512) == nil)
        #expect(BLASLibrary.fasterCoreType(current: "Haswell", cpuFlags: avx512) == nil)
    }

    @Test func aProcessorWithoutVectorExtensionsKeepsGenericKernels() {
        #expect(BLASLibrary.fasterCoreType(current: "Prescott", cpuFlags: ["sse2", "sse3"]) == nil)
    }
}

/// Large scratch buffers reuse freed memory; a zeroed buffer is zero even on a reused block.
@Suite(.tags(.unit))
struct ScratchBufferTests {
    @Test func zeroedBuffersAreZeroOnReusedMemory() {
        let count = 1 << 19  // 2 MiB: pooled
        for _ in 0..<3 {
            let dirty = ScratchBuffer(uninitializedCount: count)
            dirty.pointer.update(repeating: 7, count: count)
        }
        let clean = ScratchBuffer(count: count)
        #expect(UnsafeBufferPointer(start: clean.pointer, count: count).allSatisfy { $0 == 0 })
        let copied = ScratchBuffer(copying: (0..<count).map(Float.init))
        #expect(copied.array() == (0..<count).map(Float.init))
    }
}
