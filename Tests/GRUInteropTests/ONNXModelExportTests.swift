import Foundation
import GRUFormats
import GRUInterop
import GRUNetworks
import GRUTensor
import GRUTestSupport
import GRUTraining
import Testing

/// The structure of `ONNXModelExport`'s graphs and the round trip through
/// `ONNXGRUKitGraphImport`; what the graphs compute is checked against onnxruntime in
/// ONNXModelExportReferenceTests.
@Suite(.tags(.unit))
struct ONNXModelExportTests {
    private func exported(_ name: String) throws -> (ONNXModel, ExportedModelCase) {
        let testCase = try #require(ExportedModelCase.all.first { $0.name == name })
        return (try ONNXModelExport.model(of: testCase.model(), manifest: testCase.manifest), testCase)
    }

    private func opTypes(_ model: ONNXModel) -> [String] { model.nodes.map(\.opType) }

    // MARK: - Graph structure

    @Test func aFeatureClassifierNormalizesTransposesAndTakesLengths() throws {
        let (model, _) = try exported("classify_features_mean_bi_l2_resetBefore")
        #expect(model.opsetVersion == 14)
        #expect(
            model.inputs == [
                ONNXValueInfo(
                    name: "input", elementType: .float, dimensions: [.symbolic("B"), .symbolic("T"), .fixed(3)]),
                ONNXValueInfo(name: "lengths", elementType: .int64, dimensions: [.symbolic("B")]),
            ])
        #expect(
            model.outputs == [
                ONNXValueInfo(name: "output", elementType: .float, dimensions: [.symbolic("B"), .fixed(3)])
            ])
        let ops = opTypes(model)
        #expect(Array(ops.prefix(3)) == ["Sub", "Div", "Transpose"])
        #expect(ops.filter { $0 == "GRU" }.count == 2)
        #expect(ops.contains("ReduceSum") && ops.contains("Less"), "the masked mean over valid steps")
        #expect(Array(ops.suffix(2)) == ["Gemm", "Softmax"])
        let grus = model.nodes.filter { $0.opType == "GRU" }
        for node in grus {
            #expect(node.inputs.count == 5 && node.inputs[4] == "sequence_lens", "\(node.inputs)")
            #expect(node.attributes["direction"] == .string("bidirectional"))
            #expect(node.attributes["linear_before_reset"] == .int(0))
            #expect(node.attributes["layout"] == nil, "onnxruntime accepts only layout 0")
        }
        let cast = try #require(model.nodes.first { $0.outputs == ["sequence_lens"] })
        #expect(cast.opType == "Cast" && cast.inputs == ["lengths"] && cast.attributes["to"] == .int(6))
        #expect(model.initializer(named: "feature_means") == .float(Tensor(shape: [3], scalars: [1.5, -2, 0.25])))
    }

    @Test func aTokenTaggerLooksUpTheEmbeddingAndPredictsEveryStep() throws {
        let (model, testCase) = try exported("tag_tokens_bi_l2")
        #expect(
            model.inputs.first
                == ONNXValueInfo(name: "input", elementType: .int64, dimensions: [.symbolic("B"), .symbolic("T")]))
        #expect(
            model.outputs == [
                ONNXValueInfo(
                    name: "output", elementType: .float, dimensions: [.symbolic("B"), .symbolic("T"), .fixed(3)])
            ])
        let gather = try #require(model.nodes.first)
        #expect(gather.opType == "Gather" && gather.inputs == ["embedding.weight", "input"])
        let weights = try testCase.model().namedTensors
        #expect(model.initializer(named: "embedding.weight") == .float(weights[0].tensor))
        #expect(Array(opTypes(model).suffix(4)) == ["Transpose", "MatMul", "Add", "Softmax"])
        let softmax = try #require(model.nodes.last)
        #expect(softmax.outputs == ["output"] && softmax.attributes["axis"] == .int(-1))
    }

    @Test func aForecastTakesWholeWindowsAndDenormalizesEveryHorizonStep() throws {
        let (model, _) = try exported("forecast_features_last_resetBefore")
        #expect(model.inputs.map(\.name) == ["input"], "forecast windows have no lengths")
        #expect(model.nodes.filter { $0.opType == "GRU" }.allSatisfy { $0.inputs.count == 4 })
        #expect(Array(opTypes(model).suffix(3)) == ["Gemm", "Mul", "Add"])
        // horizon 2 x targets (load, temperature): output k is step k / 2 of target k % 2.
        #expect(
            model.initializer(named: "target_standard_deviations")
                == .float(Tensor(shape: [4], scalars: [20, 3, 20, 3])))
        #expect(model.initializer(named: "target_means") == .float(Tensor(shape: [4], scalars: [100, 15, 100, 15])))
    }

    @Test func lastStatePoolingReadsTheLastLayersFinalStates() throws {
        let (model, _) = try exported("classify_tokens_last_bi")
        let transpose = try #require(model.nodes.first { $0.outputs == ["final_state_BDH"] })
        #expect(transpose.inputs == ["gru_final_state_l0"] && transpose.attributes["perm"] == .ints([1, 0, 2]))
        let gru = try #require(model.nodes.first { $0.opType == "GRU" })
        #expect(gru.outputs.last == "gru_final_state_l0")
    }

    @Test func theMetadataHoldsTheManifestAndWhatARuntimeNeeds() throws {
        let (model, testCase) = try exported("classify_features_mean_bi_l2_resetBefore")
        #expect(model.metadata["variant"] == "reset-before")
        #expect(model.metadata["task"] == "classify")
        #expect(model.metadata["input"] == "features")
        #expect(model.metadata["pooling"] == "mean")
        #expect(model.metadata["labels"] == #"["low","mid","high"]"#)
        #expect(
            model.metadata["feature_normalization"] == #"{"means":[1.5,-2,0.25],"standardDeviations":[2,0.5,1.25]}"#)
        let manifest = try #require(model.metadata["grukit.manifest"])
        let decoded = try JSONDecoder().decode(ModelDirectory.Manifest.self, from: Data(manifest.utf8))
        #expect(decoded == testCase.manifest)
        let (tagger, _) = try exported("tag_tokens_bi_l2")
        #expect(tagger.metadata["vocabulary"] == #"["<pad>","<unk>","the","cat","sat","on","mat"]"#)
        #expect(tagger.metadata["pooling"] == nil)
    }

    @Test func aManifestOfAnotherModelIsRefused() throws {
        let testCase = ExportedModelCase.all[0]
        var manifest = testCase.manifest
        manifest.model.hiddenSize += 1
        #expect(throws: GRUInputError.self) { try ONNXModelExport.model(of: testCase.model(), manifest: manifest) }
    }

    // MARK: - Import round trip

    @Test(arguments: ExportedModelCase.all)
    func gruKitToONNXToGRUKitIsBitIdentical(_ testCase: ExportedModelCase) throws {
        let original = try testCase.model()
        let bytes = try ONNXModelExport.model(of: original, manifest: testCase.manifest).encoded()
        let decoded = try ONNXModel(decoding: bytes, name: "\(testCase.name).onnx")
        #expect(ONNXGRUKitGraphImport.isGRUKitGraph(decoded))
        let imported = try ONNXGRUKitGraphImport.importedModel(from: decoded, labels: nil)
        #expect(imported.model.configuration == original.configuration)
        #expect(imported.schema == testCase.schema)
        #expect(imported.manifest == testCase.manifest, "the training and data options come back too")
        #expect(
            imported.model.parameters.map(\.bitPattern) == original.parameters.map(\.bitPattern),
            "every weight bit for bit")
    }

    @Test func theFilesOwnLabelsMayBeRepeated() throws {
        let (model, _) = try exported("classify_tokens_last_bi")
        let imported = try ONNXGRUKitGraphImport.importedModel(from: model, labels: ["neg", "pos"])
        #expect(imported.schema.labels?.names == ["neg", "pos"])
    }

    // MARK: - Import errors

    private func importFailure(_ model: ONNXModel, labels: [String]? = nil) -> String? {
        do {
            _ = try ONNXGRUKitGraphImport.importedModel(from: model, labels: labels)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func aFileWithoutTheManifestIsOneLine() throws {
        var (model, _) = try exported("classify_tokens_last_bi")
        model.fileName = "torch.onnx"
        model.metadata["grukit.manifest"] = nil
        #expect(!ONNXGRUKitGraphImport.isGRUKitGraph(model))
        #expect(
            importFailure(model)
                == "torch.onnx: has no metadata entry 'grukit.manifest'; expected a whole model written by gru export")
    }

    @Test func anUnreadableManifestIsOneLine() throws {
        var (model, _) = try exported("classify_tokens_last_bi")
        model.fileName = "m.onnx"
        model.metadata["grukit.manifest"] = "{not json"
        let failure = try #require(importFailure(model))
        #expect(
            failure.hasPrefix("m.onnx: metadata 'grukit.manifest' is not a valid model configuration"), "\(failure)")
        #expect(!failure.contains("\n"))
    }

    @Test func aMissingHeadInitializerIsOneLine() throws {
        var (model, _) = try exported("classify_tokens_last_bi")
        model.fileName = "m.onnx"
        model.initializers.removeAll { $0.name == "head.bias" }
        #expect(importFailure(model) == "m.onnx: has no initializer 'head.bias'; expected the one gru export writes")
    }

    @Test func gruNodesThatDisagreeWithTheManifestAreRefused() throws {
        var (model, testCase) = try exported("classify_features_mean_bi_l2_resetBefore")
        model.fileName = "m.onnx"
        var manifest = testCase.manifest
        manifest.model.variant = .resetAfter
        model.metadata["grukit.manifest"] = String(decoding: try JSONEncoder().encode(manifest), as: UTF8.self)
        let failure = try #require(importFailure(model))
        #expect(
            failure.hasPrefix(
                "m.onnx: has GRU nodes of input size 3, hidden size 4, 2 layer(s), bidirectional, reset-before; expected"
            ), "\(failure)")
    }

    @Test func labelsOtherThanTheFilesAreRefused() throws {
        var (model, _) = try exported("classify_tokens_last_bi")
        model.fileName = "m.onnx"
        let failure = try #require(importFailure(model, labels: ["a", "b"]))
        #expect(failure.hasPrefix("m.onnx: has its own labels"), "\(failure)")
    }

    // MARK: - The bare GRU's initial state

    @Test func theBareGRUTakesAnInitialStateSplitPerLayer() throws {
        let gru = GRU(
            configuration: GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2, isBidirectional: true), seed: 5)
        let model = ONNXGRU.model(of: gru.parameters, takesSequenceLengths: true, takesInitialState: true)
        #expect(
            model.inputs.last
                == ONNXValueInfo(
                    name: "initial_h", elementType: .float, dimensions: [.fixed(4), .symbolic("B"), .fixed(4)]))
        let split = try #require(model.nodes.first)
        #expect(
            split.opType == "Split" && split.inputs == ["initial_h"]
                && split.outputs == ["initial_h_l0", "initial_h_l1"])
        let grus = model.nodes.filter { $0.opType == "GRU" }
        #expect(grus.map { $0.inputs.last } == ["initial_h_l0", "initial_h_l1"])
        #expect(grus.allSatisfy { $0.inputs.count == 6 && $0.inputs[4] == "sequence_lens" })
        let single = ONNXGRU.model(
            of: GRU(configuration: .init(inputSize: 2, hiddenSize: 3, hasBias: false), seed: 1).parameters,
            takesInitialState: true)
        #expect(single.nodes.first { $0.opType == "GRU" }?.inputs == ["input", "W_l0", "R_l0", "", "", "initial_h"])
        #expect(try ONNXGRU.parameters(from: model) == gru.parameters, "import ignores the run-time initial state")
        #expect(ONNXGRU.model(of: gru.parameters).inputs.map(\.name) == ["input"], "no initial_h by default")
    }
}
