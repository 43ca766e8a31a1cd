import Foundation
import GRUTestSupport
import Testing

@testable import GRUTraining

@Suite("UEA/UCR .ts files", .tags(.unit))
struct TSFileLoaderTests {
    let header = """
        # A toy problem: two dimensions, cases of different lengths.
        @problemName Toy
        @timeStamps false
        @missing false
        @univariate false
        @dimensions 2
        @equalLength false
        @classLabel true up down

        """

    @Test("reads multivariate variable-length cases time-major, labels in declared order")
    func multivariateVariableLength() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write(
            header + "@data\n1,2,3:4,5,6:up\n\n# a comment\n7.5,8:9,-1e1:down\n", to: "toy.ts")
        let dataset = try DataLoader.load(url)
        #expect(dataset.task == .classify)
        #expect(dataset.count == 2)
        #expect(dataset.lengths == [3, 2])
        #expect(dataset.schema.featureNames == ["dimension1", "dimension2"])
        #expect(dataset.schema.labels?.names == ["up", "down"])
        #expect(dataset.schema.featureNormalization == nil)
        #expect(featureValues(dataset.examples[0]) == [1, 4, 2, 5, 3, 6])
        #expect(featureValues(dataset.examples[1]) == [7.5, 9, 8, -10])
        #expect(dataset.examples.map(\.target) == [.classIndex(0), .classIndex(1)])
        #expect(dataset.examples.map(\.source) == ["\(url.path):10", "\(url.path):13"])
        #expect(dataset.skipped.count(for: "blank lines") == 1)
        #expect(dataset.skipped.count(for: "comment lines") == 1)
    }

    @Test("identifiers are case-insensitive, @dimension is accepted, univariate files need no count")
    func headerVariants() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let univariate = try directory.write(
            "@PROBLEMNAME Uni\n@TIMESTAMPS false\n@UNIVARIATE true\n@EQUALLENGTH true\n@SERIESLENGTH 3\n@CLASSLABEL true 1 2\n@DATA\n1,2,3:2\n4,5,6:1\n",
            to: "uni.ts")
        let dataset = try DataLoader.load(univariate)
        #expect(dataset.schema.featureNames == ["dimension1"])
        #expect(dataset.examples.map(\.target) == [.classIndex(1), .classIndex(0)])
        let singular = try directory.write(
            "@univariate false\n@dimension 2\n@classLabel true a\n@data\n1:2:a\n", to: "singular.ts")
        #expect(featureValues(try DataLoader.load(singular).examples[0]) == [1, 2])
        // Without a declared count, the first case sets it.
        let undeclared = try directory.write("@classLabel true a\n@data\n1,2:3,4:5,6:a\n", to: "undeclared.ts")
        #expect(try DataLoader.load(undeclared).schema.featureNames?.count == 3)
    }

    @Test("features are standardized on request, with training statistics reused for test data")
    func normalization() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let options = DataOptions(normalize: true)
        let training = try DataLoader.load(
            try directory.write(header + "@data\n1,3:10,10:up\n", to: "train.ts"), options: options)
        let normalization = try #require(training.schema.featureNormalization)
        expectApproximatelyEqual(normalization.means, [2, 10], absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        expectApproximatelyEqual(
            normalization.standardDeviations, [1, 1], absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        let test = try DataLoader.load(
            try directory.write(header + "@data\n4:12:down\n", to: "test.ts"), schema: training.schema)
        expectApproximatelyEqual(
            featureValues(test.examples[0]), [2, 2], absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
    }

    @Test("missing values are an error naming the line, dimension and step")
    func missingValues() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let url = try directory.write(header + "@data\n1,2,3:4,5,6:up\n1,2:3,?:down\n", to: "gaps.ts")
        expectDataError(
            "\(url.path):11", ["missing value '?' at dimension 2, step 2", "missing values are not supported"]
        ) {
            _ = try DataLoader.load(url)
        }
        let nan = try directory.write(header + "@data\n1,NaN:3,4:down\n", to: "nan.ts")
        expectDataError("\(nan.path):10", ["missing value 'NaN' at dimension 1, step 2"]) {
            _ = try DataLoader.load(nan)
        }
    }

    @Test("bad cases are errors naming their line")
    func caseErrors() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let cases: [(String, String)] = [
            ("1,2,3:up", "found 1 dimensions; expected 2 as the header declares"),
            ("1,2,3:4,5:up", "dimension 2 has 2 values; expected 3 like dimension 1"),
            ("1,2:3,4:sideways", "class label 'sideways' is not declared by @classLabel ('up', 'down')"),
            ("1,x:3,4:up", "dimension 1, step 2 holds 'x'; expected a finite number"),
            ("1,,2:3,4,5:up", "dimension 1, step 2 holds an empty value"),
            ("1 2 3", "found no ':'; expected dimensions separated by ':' and the class label last"),
        ]
        for (index, (line, message)) in cases.enumerated() {
            let url = try directory.write(header + "@data\n\(line)\n", to: "case\(index).ts")
            expectDataError("\(url.path):10", [message]) { _ = try DataLoader.load(url) }
        }
        let equal = try directory.write(
            "@equalLength true\n@seriesLength 3\n@classLabel true a\n@data\n1,2,3:a\n1,2:a\n", to: "equal.ts")
        expectDataError("\(equal.path):6", ["found 2 values per dimension; expected @seriesLength 3"]) {
            _ = try DataLoader.load(equal)
        }
    }

    @Test("bad headers are errors naming their line")
    func headerErrors() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let headers: [(String, String, Int)] = [
            (
                "@timeStamps true\n@classLabel true a\n@data\n",
                "timestamped series (@timeStamps true) are not supported", 1
            ),
            (
                "@classLabel false\n@data\n",
                "found @classLabel false; expected @classLabel true followed by the class labels", 1
            ),
            ("@classLabel true\n@data\n", "@classLabel true lists no labels", 1),
            ("@classLabel true a a\n@data\n", "@classLabel lists a label twice", 1),
            ("@targetLabel true\n@data\n", "regression targets (@targetLabel true) are not supported", 1),
            ("@missing maybe\n", "@missing takes true or false; found 'maybe'", 1),
            ("@dimensions two\n", "@dimensions takes a positive integer; found 'two'", 1),
            ("@classLabel true a\n@colour blue\n@data\n", "unknown header '@colour'", 2),
            ("@classLabel true a\n1,2:a\n", "found data before @data", 2),
            ("@problemName x\n@data\n", "@data comes before any @classLabel line", 2),
            (
                "@univariate true\n@dimensions 3\n@classLabel true a\n@data\n",
                "@univariate true disagrees with @dimensions 3", 4
            ),
            (
                "@dimensions 2\n@dimension 3\n@classLabel true a\n@data\n",
                "@dimension repeats the header of line 1; expected each header once", 2
            ),
        ]
        for (index, (text, message, line)) in headers.enumerated() {
            let url = try directory.write(text, to: "header\(index).ts")
            expectDataError("\(url.path):\(line)", [message]) { _ = try DataLoader.load(url) }
        }
        let noData = try directory.write("@classLabel true a\n", to: "nodata.ts")
        expectDataError(noData.path, ["no @data line"]) { _ = try DataLoader.load(noData) }
    }

    @Test("test data with another dimension count than the model is an error")
    func dimensionMismatch() throws {
        let directory = try DataDirectory()
        defer { directory.remove() }
        let training = try DataLoader.load(try directory.write(header + "@data\n1:2:up\n", to: "train.ts"))
        let test = try directory.write("@classLabel true up down\n@data\n1:2:3:up\n", to: "test.ts")
        expectDataError(test.path, ["has 3 dimensions; the model expects 2"]) {
            _ = try DataLoader.load(test, schema: training.schema)
        }
    }
}

@Suite("UEA/UCR .ts fixtures", .tags(.unit))
struct TSFileFixtureTests {
    /// A fixture in Tests/Fixtures/data, found from this source file's location.
    func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Data
            .deletingLastPathComponent()  // GRUTrainingTests
            .deletingLastPathComponent()  // Tests
            .appendingPathComponent("Fixtures/data/\(name)")
    }

    @Test("a file in the archive's layout: comments, exponents, a trailing space after the labels")
    func archiveLayout() throws {
        let dataset = try DataLoader.load(fixture("speakers_TRAIN.ts"))
        #expect(dataset.schema.labels?.names == ["1", "2", "3"])
        #expect(dataset.schema.featureNames?.count == 3)
        #expect(dataset.lengths == [3, 2, 4, 1])
        #expect(dataset.examples.map(\.target) == [.classIndex(0), .classIndex(1), .classIndex(2), .classIndex(1)])
        expectApproximatelyEqual(
            featureValues(dataset.examples[0]), [1.25, 0.5, -1, 1.5, 0.25, -2, -8.3e-4, 0.125, -3],
            absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        expectApproximatelyEqual(
            featureValues(dataset.examples[1]), [2, 0.75, -0.5, 2.5, 5.18e-4, -0.25],
            absoluteTolerance: 1e-5, relativeTolerance: 1e-5)
        #expect(dataset.examples[3].source.hasSuffix("speakers_TRAIN.ts:16"))
        #expect(dataset.skipped.total == 0)
    }

    @Test("the older @multivariate true N header")
    func legacyMultivariate() throws {
        let dataset = try DataLoader.load(fixture("legacy_multivariate.ts"))
        #expect(dataset.schema.featureNames == ["dimension1", "dimension2"])
        #expect(featureValues(dataset.examples[1]) == [5, 8, 6, 9, 7, 10])
        #expect(dataset.examples.map(\.target) == [.classIndex(0), .classIndex(1)])

        let directory = try DataDirectory()
        defer { directory.remove() }
        let bad = try directory.write("@multivariate true\n", to: "bad.ts")
        expectDataError(
            "\(bad.path):1", ["@multivariate takes false, or true and the number of dimensions; found 'true'"]
        ) {
            _ = try DataLoader.load(bad)
        }
    }
}
