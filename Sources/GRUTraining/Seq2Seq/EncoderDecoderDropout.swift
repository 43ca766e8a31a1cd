import GRUNetworks
import GRUTensor

/// The masks of one training pass of an `EncoderDecoderModel`, all from the pass's seed: the
/// source and target embeddings' and the head's, per row and step (`RowDropoutDraws`, masks
/// 0, 1 and 2), and the encoder's and the decoder's `GRUDropout`, each of a seed of its own.
///
/// Legend as on `EncoderDecoderModel`.
struct EncoderDecoderDropout {
    private let configuration: EncoderDecoderConfiguration
    private let draws: RowDropoutDraws
    /// Between the encoder's layers, on its recurrent states, zoneout and weight-drop.
    let encoder: GRUDropout
    /// On the decoder's recurrent state, zoneout and weight-drop (it has one layer).
    let decoder: GRUDropout

    /// The masks of the pass of seed `seed`; the same seed draws the same masks.
    init(_ configuration: EncoderDecoderConfiguration, seed: UInt64) {
        self.configuration = configuration
        draws = RowDropoutDraws(seed: seed)
        var generator = SeededGenerator(seed: seed)
        let c = configuration
        encoder = GRUDropout(
            betweenLayers: c.layerDropout, recurrent: c.recurrentDropout, zoneout: c.zoneout, weightDrop: c.weightDrop,
            seed: generator.next())
        decoder = GRUDropout(
            recurrent: c.recurrentDropout, zoneout: c.zoneout, weightDrop: c.weightDrop, seed: generator.next())
    }

    /// The mask of what the encoder's stack reads, (S, B, E) source embeddings or (S, B, F)
    /// feature vectors; nil without input dropout.
    func sourceInputMask(steps: Int, batch: Int) -> [Float]? {
        let c = configuration
        return mask(
            0, rate: c.inputDropout, steps: steps, batch: batch,
            width: c.readsFeatures ? c.sourceFeatureCount : c.embeddingSize)
    }

    /// The (T, B, E) target embeddings' mask, nil without input dropout.
    func targetEmbeddingMask(steps: Int, batch: Int) -> [Float]? {
        mask(1, rate: configuration.inputDropout, steps: steps, batch: batch, width: configuration.embeddingSize)
    }

    /// The (T, B, H) mask of the decoder states the head reads, nil without output dropout.
    func outputMask(steps: Int, batch: Int) -> [Float]? {
        mask(2, rate: configuration.outputDropout, steps: steps, batch: batch, width: configuration.hiddenSize)
    }

    private func mask(_ number: Int, rate: Float, steps: Int, batch: Int, width: Int) -> [Float]? {
        guard rate > 0, steps * batch > 0 else { return nil }
        return draws.dropoutMask(mask: number, rate: rate, steps: steps, batch: batch, width: width)
    }
}
