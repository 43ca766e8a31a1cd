import GRUNetworks

/// The sizes of a GRU encoder-decoder (`EncoderDecoderModel`): the encoder's stack (embedding,
/// layers, directions) and the vocabularies on both sides; the decoder is one GRU layer of the
/// encoder's hidden size.
///
/// Legend: Vs, Vt the source and target vocabularies, E the embedding size (both sides), H the
/// hidden size, L the encoder's layers, D its directions.
public struct EncoderDecoderConfiguration: Equatable, Hashable, Codable, Sendable {
    /// Vs.
    public var sourceVocabularySize: Int
    /// Vt.
    public var targetVocabularySize: Int
    /// E.
    public var embeddingSize: Int
    /// H, the encoder's and the decoder's.
    public var hiddenSize: Int
    /// L.
    public var encoderLayers: Int
    /// Whether the encoder reads both ways (D = 2).
    public var bidirectional: Bool

    /// A configuration; sizes must be positive.
    public init(
        sourceVocabularySize: Int, targetVocabularySize: Int, embeddingSize: Int, hiddenSize: Int,
        encoderLayers: Int = 1, bidirectional: Bool = false
    ) {
        self.sourceVocabularySize = sourceVocabularySize
        self.targetVocabularySize = targetVocabularySize
        self.embeddingSize = embeddingSize
        self.hiddenSize = hiddenSize
        self.encoderLayers = encoderLayers
        self.bidirectional = bidirectional
    }

    /// D.
    public var directionCount: Int { bidirectional ? 2 : 1 }

    /// - Throws: `GRUInputError` naming the first size that is not positive.
    public func validate() throws {
        let sizes = [
            ("source vocabulary", sourceVocabularySize), ("target vocabulary", targetVocabularySize),
            ("embedding size", embeddingSize), ("hidden size", hiddenSize), ("encoder layers", encoderLayers),
        ]
        for (name, size) in sizes where size < 1 {
            throw GRUInputError(.setting(name), found: "\(size)", expected: "a positive size")
        }
    }

    /// The encoder: a GRU stack over the source embeddings.
    var encoder: GRUConfiguration {
        GRUConfiguration(
            inputSize: embeddingSize, hiddenSize: hiddenSize, layerCount: encoderLayers, isBidirectional: bidirectional)
    }

    /// The decoder: one GRU layer over [target embedding; context].
    var decoder: GRUConfiguration { GRUConfiguration(inputSize: embeddingSize + hiddenSize, hiddenSize: hiddenSize) }
}
