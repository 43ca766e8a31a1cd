import GRUInterop
import GRUNetworks
import GRUTestSupport
import Testing

@Suite(.tags(.unit))
struct ModelFileFormatTests {
    @Test func theExtensionNamesTheFormat() throws {
        #expect(try ModelFileFormat(path: "out/model.onnx") == .onnx)
        #expect(try ModelFileFormat(path: "model.keras") == .keras)
    }

    @Test func anotherExtensionIsOneLineNamingBoth() {
        #expect(throws: GRUInputError(.file("m.h5"), found: "extension .h5", expected: ".onnx or .keras")) {
            try ModelFileFormat(path: "m.h5")
        }
        #expect(throws: GRUInputError(.file("dir/model"), found: "no extension", expected: ".onnx or .keras")) {
            try ModelFileFormat(path: "dir/model")
        }
    }
}
