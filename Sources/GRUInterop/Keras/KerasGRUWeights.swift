import GRUFormats
import GRUNetworks
import GRUTensor

/// The GRU stack of a Keras model through `KerasGRU`, the one place Keras's gate order and
/// layouts are mapped: GRUKit's `gru.`-prefixed tensors of a `SequenceModel` to and from the
/// GRU and Bidirectional(GRU) arrays in model.weights.h5 (`layers/gru[_k]/cell/vars/...`,
/// `layers/bidirectional[_k]/forward_layer/cell/vars/...`), the paths Keras 3 gives a model's
/// GRU layers whatever else the model holds.
enum KerasGRUWeights {
    /// The Keras arrays, by path, and their groups' `name` attributes, of the GRU in `tensors`
    /// (a model's named tensors: `gru.weight_ih_l0` ...).
    static func weightsFile(of tensors: [String: Tensor], configuration: GRUConfiguration) -> KerasWeightsFile {
        var parameters = GRUParameters(zerosFor: configuration)
        for slot in parameters.slots { parameters.setTensor(tensors["gru." + slot.name]!, for: slot) }
        return KerasGRU.weightsFile(of: parameters)
    }

    /// GRUKit's `gru.`-prefixed tensors from the GRU layers in `weights`.
    ///
    /// - Throws: `FormatError` or `GRUInputError` naming `name` and the missing or misshapen array.
    static func gruTensors(from weights: KerasWeightsFile, name: String) throws -> [String: Tensor] {
        let parameters = try KerasGRU.parameters(from: weights, name: name).parameters
        return Dictionary(uniqueKeysWithValues: parameters.slots.map { ("gru." + $0.name, parameters.tensor(for: $0)) })
    }
}
