/// Sizes multiplied and added without trapping on overflow, for checking sizes that come from
/// users (a command line, a file header) before anything is allocated: nil stands for "too
/// large to count", and a nil operand gives nil.
package enum CheckedArithmetic {
    /// The product of `factors`, or nil when one is nil or the product overflows.
    package static func product(_ factors: Int?...) -> Int? {
        var product = 1
        for factor in factors {
            guard let factor else { return nil }
            let (value, overflow) = product.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            product = value
        }
        return product
    }

    /// The sum of `terms`, or nil when one is nil or the sum overflows.
    package static func sum(_ terms: Int?...) -> Int? {
        var sum = 0
        for term in terms {
            guard let term else { return nil }
            let (value, overflow) = sum.addingReportingOverflow(term)
            guard !overflow else { return nil }
            sum = value
        }
        return sum
    }
}
