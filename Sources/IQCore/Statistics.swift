/// Robust and classical summaries of voxel samples.
///
/// Quantiles use linear interpolation between order statistics
/// (Hyndman & Fan type 7, the default of GSL, NumPy and R), so a median or
/// IQR here equals `numpy.percentile` on the same values.
public enum Statistics {
    /// Quantiles of a sample; NaN for an empty one.
    /// - Parameter qs: fractions in 0...1.
    public static func quantiles(_ values: [Float], _ qs: [Double]) -> [Double] {
        guard !values.isEmpty else { return qs.map { _ in .nan } }
        var data = values.map(Double.init)
        // A few quantiles of a large sample: quickselect (O(n) each) beats a sort.
        if qs.count <= 4 && data.count > 4096 {
            return qs.map { q in
                let h = Double(data.count - 1) * min(max(q, 0), 1)
                let k = Int(h.rounded(.down))
                let lower = GSL.select(&data, k)
                guard k + 1 < data.count, h > Double(k) else { return lower }
                // After selection every element past k is ≥ the k-th: the next order statistic is their minimum.
                var upper = Double.infinity
                for i in (k + 1)..<data.count where data[i] < upper { upper = data[i] }
                return lower + (h - Double(k)) * (upper - lower)
            }
        }
        GSL.sort(&data)
        return qs.map { GSL.quantileSorted(data, min(max($0, 0), 1)) }
    }

    public static func median(_ values: [Float]) -> Double { quantiles(values, [0.5])[0] }

    /// Inter-quartile range Q3 − Q1.
    public static func iqr(_ values: [Float]) -> Double {
        let q = quantiles(values, [0.25, 0.75])
        return q[1] - q[0]
    }

    /// Arithmetic mean (accumulated in Double); NaN for an empty sample.
    ///
    /// Inlinable, like `standardDeviation`: a generic called from another
    /// module is otherwise not specialised, and every element goes through
    /// protocol witnesses.
    @inlinable
    public static func mean<C: Collection>(_ values: C) -> Double where C.Element: BinaryFloatingPoint {
        guard !values.isEmpty else { return .nan }
        var sum = 0.0
        for v in values { sum += Double(v) }
        return sum / Double(values.count)
    }

    /// Sample standard deviation (n − 1 denominator); 0 for one value, NaN for none.
    @inlinable
    public static func standardDeviation<C: Collection>(_ values: C) -> Double where C.Element: BinaryFloatingPoint {
        guard values.count > 1 else { return values.isEmpty ? .nan : 0 }
        let m = mean(values)
        var ss = 0.0
        for v in values { ss += (Double(v) - m) * (Double(v) - m) }
        return (ss / Double(values.count - 1)).squareRoot()
    }

    /// The error function (GSL), for closed-form partial-volume models.
    public static func erf(_ x: Double) -> Double { GSL.erf(x) }
}

/// A mean with its sample standard deviation, as studies report repetitions.
public struct MeanSD: Codable, Sendable, Equatable {
    public var mean: Double
    public var sd: Double
    public var n: Int
    public init(mean: Double, sd: Double, n: Int) {
        self.mean = mean
        self.sd = sd
        self.n = n
    }
    public init(_ values: [Double]) {
        self.init(mean: Statistics.mean(values), sd: Statistics.standardDeviation(values), n: values.count)
    }
}
