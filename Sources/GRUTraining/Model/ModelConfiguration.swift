import Foundation
import GRUNetworks
import GRUTensor

/// Everything that rebuilds a sequence model: its task, input, recurrent stack, head and
/// dropout. Saved as JSON in the model directory.
public struct ModelConfiguration: Codable, Equatable, Sendable {
    /// The learning problem, which fixes the head and the loss.
    public var task: SequenceTask
    /// For token inputs: the vocabulary size V (ids 0..<V, 0 the padding id); nil for features.
    public var vocabularySize: Int?
    /// For token inputs: the embedding dimension E.
    public var embeddingSize: Int?
    /// For feature inputs: the features per step F; nil for tokens.
    public var featureCount: Int?
    /// The recurrent cell of the stack (`--cell`): the GRU, or a relative to measure it against.
    public var cell: RecurrentCellKind
    /// The stack's hidden size H.
    public var hiddenSize: Int
    /// Stacked GRU layers (`--layers`).
    public var layers: Int
    /// Whether the GRU is bidirectional (`--bidirectional`; not for language models, which
    /// predict forward).
    public var bidirectional: Bool
    /// The GRU formulation (the GRU cell's only).
    public var variant: GRUVariant
    /// The plain RNN's activation, tanh or relu (the RNN cell's only).
    public var nonlinearity: RNNNonlinearity
    /// The GRU's and LSTM's Keras `activation`: of the GRU's candidate, the LSTM's g and c in h
    /// (default tanh; those cells' only).
    public var activation: RecurrentActivation
    /// The GRU's and LSTM's Keras `recurrent_activation`: of their gates (default sigmoid;
    /// those cells' only).
    public var recurrentActivation: RecurrentActivation
    /// The head's outputs: classes, tags, forecast values (horizon x targets) or vocabulary.
    public var outputSize: Int
    /// How classify and forecast heads summarize the sequence.
    public var pooling: SequencePooling.Mode
    /// Dropout on the GRU's input (embeddings or features), per element.
    public var inputDropout: Float
    /// PyTorch's GRU `dropout`, between stacked layers (`--layer-dropout`).
    public var layerDropout: Float
    /// Keras's `recurrent_dropout`, variational, on the state entering the recurrent products.
    public var recurrentDropout: Float
    /// Dropout on the head's input.
    public var outputDropout: Float
    /// Zoneout (Krueger et al. 2016): in training, the probability that each unit keeps its
    /// previous state at each step; inference takes the expectation.
    public var zoneout: Float
    /// Weight-drop (Merity et al. 2017): DropConnect on W_hh, one mask per batch, in training.
    public var weightDrop: Float
    /// How fresh parameters are drawn.
    public var initialization: GRUInitialization
    /// Whether the stack's initial state is learned (per layer and direction, the same for
    /// every sequence) rather than zeros.
    public var trainableInitialState: Bool

    /// A configuration; the input is tokens when `vocabularySize` is given, else features.
    public init(
        task: SequenceTask, vocabularySize: Int? = nil, embeddingSize: Int? = nil, featureCount: Int? = nil,
        cell: RecurrentCellKind = .gru, hiddenSize: Int, layers: Int = 1, bidirectional: Bool = false,
        variant: GRUVariant = .resetAfter,
        nonlinearity: RNNNonlinearity = .tanh, activation: RecurrentActivation = .tanh,
        recurrentActivation: RecurrentActivation = .sigmoid, outputSize: Int,
        pooling: SequencePooling.Mode = .lastState,
        inputDropout: Float = 0,
        layerDropout: Float = 0, recurrentDropout: Float = 0, outputDropout: Float = 0,
        zoneout: Float = 0, weightDrop: Float = 0, initialization: GRUInitialization = .pytorch,
        trainableInitialState: Bool = false
    ) {
        self.task = task
        self.vocabularySize = vocabularySize
        self.embeddingSize = embeddingSize
        self.featureCount = featureCount
        self.cell = cell
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.bidirectional = bidirectional
        self.variant = variant
        self.nonlinearity = nonlinearity
        self.activation = activation
        self.recurrentActivation = recurrentActivation
        self.outputSize = outputSize
        self.pooling = pooling
        self.inputDropout = inputDropout
        self.layerDropout = layerDropout
        self.recurrentDropout = recurrentDropout
        self.outputDropout = outputDropout
        self.zoneout = zoneout
        self.weightDrop = weightDrop
        self.initialization = initialization
        self.trainableInitialState = trainableInitialState
    }

    /// Decodes model.json; settings added later (the cell, a learned initial state, zoneout,
    /// weight-drop, the activations) take their defaults when a file from before them lacks them.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        task = try values.decode(SequenceTask.self, forKey: .task)
        vocabularySize = try values.decodeIfPresent(Int.self, forKey: .vocabularySize)
        embeddingSize = try values.decodeIfPresent(Int.self, forKey: .embeddingSize)
        featureCount = try values.decodeIfPresent(Int.self, forKey: .featureCount)
        cell = try values.decodeIfPresent(RecurrentCellKind.self, forKey: .cell) ?? .gru
        hiddenSize = try values.decode(Int.self, forKey: .hiddenSize)
        layers = try values.decode(Int.self, forKey: .layers)
        bidirectional = try values.decode(Bool.self, forKey: .bidirectional)
        variant = try values.decode(GRUVariant.self, forKey: .variant)
        nonlinearity = try values.decodeIfPresent(RNNNonlinearity.self, forKey: .nonlinearity) ?? .tanh
        activation = try values.decodeIfPresent(RecurrentActivation.self, forKey: .activation) ?? .tanh
        recurrentActivation =
            try values.decodeIfPresent(RecurrentActivation.self, forKey: .recurrentActivation) ?? .sigmoid
        outputSize = try values.decode(Int.self, forKey: .outputSize)
        pooling = try values.decode(SequencePooling.Mode.self, forKey: .pooling)
        inputDropout = try values.decode(Float.self, forKey: .inputDropout)
        layerDropout = try values.decode(Float.self, forKey: .layerDropout)
        recurrentDropout = try values.decode(Float.self, forKey: .recurrentDropout)
        outputDropout = try values.decode(Float.self, forKey: .outputDropout)
        zoneout = try values.decodeIfPresent(Float.self, forKey: .zoneout) ?? 0
        weightDrop = try values.decodeIfPresent(Float.self, forKey: .weightDrop) ?? 0
        initialization = try values.decode(GRUInitialization.self, forKey: .initialization)
        trainableInitialState = try values.decodeIfPresent(Bool.self, forKey: .trainableInitialState) ?? false
    }

    private enum CodingKeys: String, CodingKey {
        case task, vocabularySize, embeddingSize, featureCount, cell, hiddenSize, layers, bidirectional, variant
        case nonlinearity, activation, recurrentActivation, outputSize, pooling, inputDropout, layerDropout
        case recurrentDropout, outputDropout, zoneout, weightDrop, initialization, trainableInitialState
    }

    /// Encodes model.json, the activations only when they are not tanh and sigmoid, so that
    /// the file of a model without them is what it was before they existed.
    public func encode(to encoder: any Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(task, forKey: .task)
        try values.encodeIfPresent(vocabularySize, forKey: .vocabularySize)
        try values.encodeIfPresent(embeddingSize, forKey: .embeddingSize)
        try values.encodeIfPresent(featureCount, forKey: .featureCount)
        try values.encode(cell, forKey: .cell)
        try values.encode(hiddenSize, forKey: .hiddenSize)
        try values.encode(layers, forKey: .layers)
        try values.encode(bidirectional, forKey: .bidirectional)
        try values.encode(variant, forKey: .variant)
        try values.encode(nonlinearity, forKey: .nonlinearity)
        if activation != .tanh { try values.encode(activation, forKey: .activation) }
        if recurrentActivation != .sigmoid {
            try values.encode(recurrentActivation, forKey: .recurrentActivation)
        }
        try values.encode(outputSize, forKey: .outputSize)
        try values.encode(pooling, forKey: .pooling)
        try values.encode(inputDropout, forKey: .inputDropout)
        try values.encode(layerDropout, forKey: .layerDropout)
        try values.encode(recurrentDropout, forKey: .recurrentDropout)
        try values.encode(outputDropout, forKey: .outputDropout)
        try values.encode(zoneout, forKey: .zoneout)
        try values.encode(weightDrop, forKey: .weightDrop)
        try values.encode(initialization, forKey: .initialization)
        try values.encode(trainableInitialState, forKey: .trainableInitialState)
    }

    /// The GRU's input width: E for tokens, F for features.
    public var gruInputSize: Int { vocabularySize != nil ? (embeddingSize ?? 0) : (featureCount ?? 0) }

    /// The recurrent stack's sizes, the GRU's variant and activations (which other cells ignore).
    public var gru: GRUConfiguration {
        GRUConfiguration(
            inputSize: gruInputSize, hiddenSize: hiddenSize, layerCount: layers,
            isBidirectional: bidirectional, variant: variant, activation: activation,
            recurrentActivation: recurrentActivation)
    }

    /// Whether the head reads every step (tag, language model) rather than one summary.
    public var predictsEveryStep: Bool { task == .tag || task == .languageModel }

    /// Checks the sizes and rates, naming the first setting that does not fit.
    public func validate() throws {
        func require(_ condition: Bool, found: @autoclosure () -> String, expected: @autoclosure () -> String) throws {
            if !condition { throw GRUInputError(.setting("model configuration"), found: found(), expected: expected()) }
        }
        try require(
            task != .seq2seq, found: "task seq2seq",
            expected: "classify, tag, forecast or language-model (an encoder-decoder is not a SequenceModel)")
        try require(hiddenSize > 0, found: "hidden size is \(hiddenSize)", expected: "at least 1")
        try require(layers > 0, found: "layers is \(layers)", expected: "at least 1")
        try require(outputSize > 0, found: "output size is \(outputSize)", expected: "at least 1")
        try require(
            (vocabularySize == nil) != (featureCount == nil),
            found: vocabularySize == nil
                ? "neither a vocabulary size nor a feature count" : "both a vocabulary size and a feature count",
            expected: "either a vocabulary size or a feature count")
        if let vocabularySize {
            try require(vocabularySize > 1, found: "vocabulary size is \(vocabularySize)", expected: "at least 2")
            try require(
                (embeddingSize ?? 0) > 0, found: "embedding size is \(embeddingSize ?? 0)",
                expected: "at least 1 for token input")
        }
        if let featureCount {
            try require(featureCount > 0, found: "feature count is \(featureCount)", expected: "at least 1")
        }
        try require(
            cell == .gru || cell == .lstm || (activation == .tanh && recurrentActivation == .sigmoid),
            found: "activation \(activation.kerasName), recurrent activation \(recurrentActivation.kerasName) "
                + "for a \(cell.rawValue) cell", expected: "tanh and sigmoid: only GRU and LSTM cells take others")
        try require(
            !(task == .languageModel && bidirectional), found: "a bidirectional language model",
            expected: "a unidirectional one: a language model predicts the next token")
        for (name, rate) in [
            ("input dropout", inputDropout), ("layer dropout", layerDropout),
            ("recurrent dropout", recurrentDropout), ("output dropout", outputDropout), ("zoneout", zoneout),
            ("weight-drop", weightDrop),
        ] {
            try require((0..<1).contains(rate), found: "\(name) is \(rate)", expected: "a rate in [0, 1)")
        }

        // Sizes from a command line or a model.json: an allocation too large to make traps,
        // so it is refused first. Training holds the parameters five times over (values,
        // gradients, two optimizer buffers, the best epoch's copy).
        let available = ProcessInfo.processInfo.physicalMemory
        let count = parameterCountIfRepresentable
        guard let bytes = CheckedArithmetic.product(20, count), UInt64(bytes) <= available else {
            let sizes = "hidden size \(hiddenSize), \(layers) layers, \(gruInputSize) inputs and \(outputSize) outputs"
            guard let count else {
                throw GRUInputError(
                    .setting("model configuration"), found: "\(sizes) make more parameters than can be counted",
                    expected: "a model that fits in memory")
            }
            throw GRUInputError(
                .setting("model configuration"), found: "\(sizes) make \(count) parameters",
                expected: "at most what this machine's \(available >> 30) GiB of memory holds for training")
        }
    }

    /// The number of parameters (embedding, recurrent stack, output layer; at most that and a
    /// learned initial state), or nil when it is too large to
    /// count in an `Int`.
    public var parameterCountIfRepresentable: Int? {
        let embedding = CheckedArithmetic.product(vocabularySize ?? 0, embeddingSize ?? 0)
        let directions = bidirectional ? 2 : 1
        let head = CheckedArithmetic.product(
            outputSize, CheckedArithmetic.sum(CheckedArithmetic.product(directions, hiddenSize), 1))
        let stack = CheckedArithmetic.sum(
            gru.parameterCountIfRepresentable(gateCount: cell.gateCount),
            CheckedArithmetic.product(gru.stateCount, cell.extraParameterCount(hiddenSize: hiddenSize)))
        let initialState = trainableInitialState ? CheckedArithmetic.product(2, gru.stateCount, hiddenSize) : 0
        return CheckedArithmetic.sum(embedding, stack, initialState, head)
    }
}
