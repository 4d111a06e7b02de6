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

    /// The exact (Clopper–Pearson) confidence interval of a proportion:
    /// `successes` out of `trials`.
    ///
    /// The bounds are the proportions p at which seeing at least (lower) or
    /// at most (upper) `successes` has probability (1 − confidence) / 2,
    /// read from beta quantiles (Clopper & Pearson, Biometrika 1934):
    /// lower = B⁻¹(α/2; x, n − x + 1), upper = B⁻¹(1 − α/2; x + 1, n − x),
    /// with lower 0 at x = 0 and upper 1 at x = n. It never covers less than
    /// the stated confidence, which suits the small test sets classifiers
    /// are scored on (58/60 correct is 88.5–99.6 % at 95 %).
    /// - Returns: nil when `trials` is 0, `successes` is outside 0...trials
    ///   or `confidence` outside (0, 1).
    public static func clopperPearson(successes x: Int, trials n: Int, confidence: Double = 0.95) -> ProportionInterval? {
        guard n > 0, (0...n).contains(x), confidence > 0, confidence < 1 else { return nil }
        let alpha = 1 - confidence
        let lower = x == 0 ? 0 : GSL.betaQuantile(alpha / 2, a: Double(x), b: Double(n - x + 1))
        let upper = x == n ? 1 : GSL.betaQuantile(1 - alpha / 2, a: Double(x + 1), b: Double(n - x))
        return ProportionInterval(successes: x, trials: n, lower: lower, upper: upper, confidence: confidence)
    }
}

/// A proportion with its confidence interval (`Statistics.clopperPearson`).
public struct ProportionInterval: Codable, Sendable, Equatable {
    public var successes: Int
    public var trials: Int
    /// Bounds of the interval, as fractions (0...1).
    public var lower: Double
    public var upper: Double
    public var confidence: Double

    public init(successes: Int, trials: Int, lower: Double, upper: Double, confidence: Double) {
        self.successes = successes
        self.trials = trials
        self.lower = lower
        self.upper = upper
        self.confidence = confidence
    }

    public var estimate: Double { Double(successes) / Double(trials) }

    /// "96.7 % (58/60; 95 % CI 88.5–99.6 %)".
    public var summary: String {
        String(
            format: "%.1f %% (%d/%d; %.0f %% CI %.1f–%.1f %%)", 100 * estimate, successes, trials, 100 * confidence, 100 * lower, 100 * upper)
    }
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
