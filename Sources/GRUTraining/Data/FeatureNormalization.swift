/// Per-feature standardization, z = (x - mean) / standardDeviation, fitted on training data only.
///
/// Fitted with the population standard deviation (divisor N, as scikit-learn's StandardScaler);
/// a constant feature gets a standard deviation of 1 so it maps to 0 instead of dividing by zero.
/// Sums run in Double. Values are rows of F features, row-major (N, F). Saved in the model
/// directory as JSON so validation, test and prediction data get the training statistics, and
/// forecasts are mapped back to the data's units with `denormalized(_:)`.
public struct FeatureNormalization: Sendable, Equatable, Codable {
    /// The mean of each feature: (F).
    public let means: [Float]
    /// The standard deviation of each feature, 1 for constant features: (F).
    public let standardDeviations: [Float]

    /// A normalization with the given statistics; the counts must agree and deviations be positive.
    public init(means: [Float], standardDeviations: [Float]) {
        precondition(
            means.count == standardDeviations.count, "\(means.count) means for \(standardDeviations.count) deviations")
        precondition(standardDeviations.allSatisfy { $0 > 0 }, "standard deviations must be positive")
        self.means = means
        self.standardDeviations = standardDeviations
    }

    /// The statistics of each feature over `rows`: (N, F) row-major with F = `featureCount`, N >= 1.
    public init(fitting rows: [Float], featureCount: Int) {
        precondition(
            featureCount > 0 && rows.count % featureCount == 0,
            "\(rows.count) values do not form rows of \(featureCount)")
        let rowCount = rows.count / featureCount
        precondition(rowCount > 0, "cannot fit a normalization on no rows")
        var sums = [Double](repeating: 0, count: featureCount)
        for (index, value) in rows.enumerated() { sums[index % featureCount] += Double(value) }
        let means = sums.map { $0 / Double(rowCount) }
        // Two passes (mean, then squared deviations) keep the variance accurate for large offsets.
        var squares = [Double](repeating: 0, count: featureCount)
        for (index, value) in rows.enumerated() {
            let deviation = Double(value) - means[index % featureCount]
            squares[index % featureCount] += deviation * deviation
        }
        let deviations = squares.map { (sum: Double) -> Float in
            let deviation = Float((sum / Double(rowCount)).squareRoot())
            return deviation > 0 && deviation.isFinite ? deviation : 1
        }
        self.init(means: means.map { Float($0) }, standardDeviations: deviations)
    }

    /// The number of features, F.
    public var featureCount: Int { means.count }

    /// `rows` standardized: (N, F) row-major.
    public func normalized(_ rows: [Float]) -> [Float] {
        precondition(rows.count % featureCount == 0, "\(rows.count) values do not form rows of \(featureCount)")
        return rows.enumerated().map { index, value in
            let feature = index % featureCount
            return (value - means[feature]) / standardDeviations[feature]
        }
    }

    /// Standardized `rows` mapped back to the data's units: (N, F) row-major.
    public func denormalized(_ rows: [Float]) -> [Float] {
        precondition(rows.count % featureCount == 0, "\(rows.count) values do not form rows of \(featureCount)")
        return rows.enumerated().map { index, value in
            let feature = index % featureCount
            return value * standardDeviations[feature] + means[feature]
        }
    }

    /// The normalization of the features at `indices`, in that order (the forecast target columns).
    public func selecting(_ indices: [Int]) -> FeatureNormalization {
        FeatureNormalization(
            means: indices.map { means[$0] }, standardDeviations: indices.map { standardDeviations[$0] })
    }

    private enum CodingKeys: String, CodingKey {
        case means, standardDeviations
    }

    /// Decodes the statistics, rejecting unequal counts and deviations that are not positive and finite.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let means = try container.decode([Float].self, forKey: .means)
        let deviations = try container.decode([Float].self, forKey: .standardDeviations)
        guard means.count == deviations.count, means.allSatisfy(\.isFinite),
            deviations.allSatisfy({ $0 > 0 && $0.isFinite })
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .standardDeviations, in: container,
                debugDescription: "expected as many finite means as positive finite standard deviations")
        }
        self.init(means: means, standardDeviations: deviations)
    }
}
