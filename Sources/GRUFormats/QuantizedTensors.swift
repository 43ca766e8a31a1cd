import GRUTensor

/// The weights of a safetensors file that may hold low-precision tensors, as `gru quantize`
/// writes them, read back as floats for the model and as the exact int8 values for inference.
///
/// The scheme is named in the metadata key `quantization`:
/// - `int8-symmetric-per-row`: each quantized (R, C) tensor `<name>` is stored as I8 values q in
///   -127...127 with an F32 tensor `<name>_scale` (R); its values are q * scale[row] (PyTorch's
///   `quantize_dynamic` weight scheme: symmetric, one scale per output row).
/// - `bf16`: the quantized tensors are stored as BF16, read back exactly.
/// Every other tensor (biases, embedding, head) stays F32. A file without the key holds float
/// tensors only: an integer tensor there is an error naming it, never a silent cast.
public struct QuantizedTensors: Sendable {
    /// The metadata key that names the scheme.
    public static let schemeKey = "quantization"
    /// The suffix of an int8 tensor's scales.
    public static let scaleSuffix = "_scale"

    /// The precision the file's weights were stored at: float32 for a file without the key.
    public let precision: InferencePrecision
    /// Every tensor as floats, the int8 ones as q * scale; the scale tensors are not among them.
    public let tensors: [String: Tensor]
    /// The int8 tensors as stored, by name: what inference at int8 reads, bit for bit.
    public let int8Rows: [String: Int8Rows]

    /// The scheme name of `precision` in the metadata.
    public static func schemeName(of precision: InferencePrecision) -> String? {
        switch precision {
        case .float32: nil
        case .bf16: "bf16"
        case .int8: "int8-symmetric-per-row"
        }
    }

    /// Reads `file`'s tensors under its scheme.
    ///
    /// - Throws: `FormatError` naming the file and tensor for an unknown scheme, an integer
    ///   tensor without its scales (or in a file with no scheme), scales of the wrong shape or
    ///   not finite and non-negative, or levels outside -127...127.
    public init(reading file: SafetensorsFile) throws {
        let name = file.fileName
        let schemes = [InferencePrecision.bf16, .int8]
        var tensors = Dictionary(uniqueKeysWithValues: file.names.map { ($0, file[$0]!) })
        var precision = InferencePrecision.float32
        if let scheme = file.metadata[Self.schemeKey] {
            guard let known = schemes.first(where: { Self.schemeName(of: $0) == scheme }) else {
                let accepted = schemes.compactMap { Self.schemeName(of: $0) }.joined(separator: " or ")
                throw FormatError(name, "metadata '\(Self.schemeKey)' is '\(scheme)'; expected \(accepted)")
            }
            precision = known
        }
        var rows: [String: Int8Rows] = [:]
        for tensorName in file.names {
            guard let dtype = file.sourceElementTypes[tensorName].flatMap(SafetensorsElementType.init),
                dtype.isInteger
            else { continue }
            guard precision == .int8, dtype == .i8 else {
                throw FormatError(
                    name,
                    "tensor '\(tensorName)' is stored as \(dtype.rawValue) (integers) without scales; expected floats (F32, F64, F16 or BF16), or I8 values with their '\(tensorName)\(Self.scaleSuffix)' in a file whose metadata '\(Self.schemeKey)' is \(Self.schemeName(of: .int8)!), as gru quantize writes"
                )
            }
            let values = tensors[tensorName]!
            let scaleName = tensorName + Self.scaleSuffix
            guard values.rank == 2 else {
                throw FormatError(
                    name, "int8 tensor '\(tensorName)' has shape \(values.shape); expected (rows, columns)")
            }
            guard let scales = tensors[scaleName] else {
                throw FormatError(
                    name,
                    "int8 tensor '\(tensorName)' has no '\(scaleName)'; expected its \(values.shape[0]) row scales")
            }
            guard scales.shape == [values.shape[0]], file.sourceElementTypes[scaleName] == "F32" else {
                throw FormatError(
                    name,
                    "'\(scaleName)' is \(file.sourceElementTypes[scaleName] ?? "") of shape \(scales.shape); expected F32 of shape [\(values.shape[0])], a scale per row of '\(tensorName)'"
                )
            }
            if let bad = scales.scalars.first(where: { !$0.isFinite || $0 < 0 }) {
                throw FormatError(name, "'\(scaleName)' holds \(bad); expected finite scales >= 0")
            }
            if values.scalars.contains(-128) {
                throw FormatError(
                    name, "int8 tensor '\(tensorName)' holds -128; expected levels in -127...127 (symmetric)")
            }
            let quantized = Int8Rows(
                rows: values.shape[0], columns: values.shape[1], values: values.scalars.map { Int8($0) },
                scales: scales.scalars)
            rows[tensorName] = quantized
            tensors[tensorName] = Tensor(shape: values.shape, scalars: quantized.dequantized())
            tensors[scaleName] = nil
        }
        if precision == .int8, rows.isEmpty {
            throw FormatError(
                name, "metadata '\(Self.schemeKey)' says \(Self.schemeName(of: .int8)!), but no tensor is stored as I8")
        }
        self.precision = precision
        self.tensors = tensors
        self.int8Rows = rows
    }

    /// A file of `tensors` (in order) whose tensors named in `quantized` (2-D each) are stored at
    /// `precision` under its scheme (bf16: rounded to nearest even; int8: `Int8Rows`), the
    /// others as F32, with `metadata` and the scheme's key.
    public static func file(
        _ tensors: [(name: String, tensor: Tensor)], quantizing quantized: Set<String>,
        at precision: InferencePrecision,
        metadata: [String: String], fileName: String
    ) -> SafetensorsFile {
        var allMetadata = metadata
        allMetadata[schemeKey] = schemeName(of: precision)
        var file = SafetensorsFile(metadata: allMetadata, fileName: fileName)
        for (name, tensor) in tensors {
            guard quantized.contains(name), precision != .float32 else {
                file.set(tensor, named: name)
                continue
            }
            precondition(tensor.rank == 2, "'\(name)' is quantized by rows")
            if precision == .bf16 {
                file.set(
                    Tensor(shape: tensor.shape, scalars: tensor.scalars.map(BFloat16.rounded)), named: name,
                    storedAs: .bf16)
                continue
            }
            let rows = tensor.scalars.withUnsafeBufferPointer {
                Int8Rows(quantizing: $0.baseAddress!, rows: tensor.shape[0], columns: tensor.shape[1])
            }
            file.set(Tensor(shape: tensor.shape, scalars: rows.values.map { Float($0) }), named: name, storedAs: .i8)
            file.set(Tensor(shape: [rows.rows], scalars: rows.scales), named: name + scaleSuffix)
        }
        return file
    }
}
