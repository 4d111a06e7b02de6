import Foundation
import IQCore
import Numerics
import Testing

@Suite struct StatisticsTests {
    /// Type-7 quantiles, checked against values NumPy's default
    /// `np.percentile` gives for the same samples (exact in binary64).
    @Test func quantilesMatchNumPy() {
        let x: [Float] = [7, 1, 3, 9, 5]
        #expect(Statistics.median(x) == 5)
        #expect(Statistics.quantiles(x, [0.25, 0.75]) == [3, 7])
        #expect(Statistics.iqr([1, 2, 3, 4]) == 1.5)  // 3.25 − 1.75
        #expect(Statistics.median([1, 2, 3, 4]) == 2.5)
        #expect(Statistics.median([]).isNaN)
    }

    /// Large samples take the quickselect path; it must give exactly what
    /// sorting gives (same order statistics, same interpolation).
    @Test func selectionPathEqualsSortPath() {
        let v = TestVolumes.random(nx: 101, ny: 53, nz: 3, spacingMM: SIMD3(1, 1, 1), seed: 9, lo: -5, hi: 20).voxels
        let qs = [0.0, 0.25, 0.5, 0.9999, 1.0]
        let fast = qs.map { Statistics.quantiles(v, [$0])[0] }
        let sorted = v.map(Double.init).sorted()
        for (q, value) in zip(qs, fast) {
            let h = Double(sorted.count - 1) * q
            let k = Int(h.rounded(.down))
            let expected = k + 1 < sorted.count ? sorted[k] + (h - Double(k)) * (sorted[k + 1] - sorted[k]) : sorted[k]
            #expect(abs(value - expected) <= 1e-12 * max(1, abs(expected)), "q \(q)")
        }
    }

    @Test func meanAndSD() {
        let m = MeanSD([2, 4, 4, 4, 5, 5, 7, 9])
        #expect(m.mean == 5)
        #expect(m.sd.isApproximatelyEqual(to: 2.138089935299395, relativeTolerance: 1e-12))
        #expect(MeanSD([3]).sd == 0)
    }

    @Test func erfFromGSL() {
        #expect(Statistics.erf(0.5).isApproximatelyEqual(to: 0.5204998778130465, relativeTolerance: 1e-12))
    }

    /// Clopper–Pearson bounds where the beta quantile has a closed form:
    /// Beta(1, n) and Beta(n, 1) have CDFs 1 − (1 − t)ⁿ and tⁿ, so the
    /// bounds at x = 0, 1, n − 1 and n are roots of α/2. Tolerance 1e-9:
    /// GSL's quantile is refined by Newton steps to near binary64 precision.
    @Test func clopperPearsonClosedForms() throws {
        let alpha = 0.05
        for n in [1, 7, 60, 300] {
            let none = try #require(Statistics.clopperPearson(successes: 0, trials: n))
            #expect(none.lower == 0)
            #expect(none.upper.isApproximatelyEqual(to: 1 - pow(alpha / 2, 1 / Double(n)), absoluteTolerance: 1e-9), "n \(n)")
            let all = try #require(Statistics.clopperPearson(successes: n, trials: n))
            #expect(all.upper == 1)
            #expect(all.lower.isApproximatelyEqual(to: pow(alpha / 2, 1 / Double(n)), absoluteTolerance: 1e-9), "n \(n)")
            guard n > 1 else { continue }
            let one = try #require(Statistics.clopperPearson(successes: 1, trials: n))
            #expect(one.lower.isApproximatelyEqual(to: 1 - pow(1 - alpha / 2, 1 / Double(n)), absoluteTolerance: 1e-9), "n \(n)")
            let allButOne = try #require(Statistics.clopperPearson(successes: n - 1, trials: n))
            #expect(allButOne.upper.isApproximatelyEqual(to: pow(1 - alpha / 2, 1 / Double(n)), absoluteTolerance: 1e-9), "n \(n)")
        }
    }

    /// Every bound solves its defining equation, checked with binomial tail
    /// sums computed here term by term (independent of the beta quantile):
    /// P(X ≥ x | lower) = α/2 and P(X ≤ x | upper) = α/2. Also against
    /// SciPy 1.17 (`scipy.stats.beta.ppf`) to 1e-9.
    @Test func clopperPearsonSolvesTheBinomialTails() throws {
        func tail(_ n: Int, _ p: Double, _ ks: ClosedRange<Int>) -> Double {
            ks.reduce(0.0) { sum, k in
                let logChoose = lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
                return sum + exp(logChoose + Double(k) * log(p) + Double(n - k) * log1p(-p))
            }
        }
        for (x, n) in [(3, 10), (58, 60), (119, 120), (297, 300), (150, 300)] {
            let ci = try #require(Statistics.clopperPearson(successes: x, trials: n, confidence: 0.95))
            #expect(tail(n, ci.lower, x...n).isApproximatelyEqual(to: 0.025, absoluteTolerance: 1e-9), "\(x)/\(n) lower")
            #expect(tail(n, ci.upper, 0...x).isApproximatelyEqual(to: 0.025, absoluteTolerance: 1e-9), "\(x)/\(n) upper")
            #expect(ci.lower < ci.estimate && ci.estimate < ci.upper)
        }
        let scipy: [(Int, Int, Double, Double)] = [
            (58, 60, 0.8847189555807483, 0.9959373753579065), (3, 10, 0.06673951117773447, 0.6524528500599973),
            (297, 300, 0.9710554887443074, 0.9979329927649077), (60, 60, 0.9403705077138331, 1),
        ]
        for (x, n, lower, upper) in scipy {
            let ci = try #require(Statistics.clopperPearson(successes: x, trials: n))
            #expect(ci.lower.isApproximatelyEqual(to: lower, absoluteTolerance: 1e-9), "\(x)/\(n)")
            #expect(ci.upper.isApproximatelyEqual(to: upper, absoluteTolerance: 1e-9), "\(x)/\(n)")
        }
        #expect(Statistics.clopperPearson(successes: 58, trials: 60)?.summary == "96.7 % (58/60; 95 % CI 88.5–99.6 %)")
    }

    @Test func clopperPearsonRefusesImpossibleCounts() {
        #expect(Statistics.clopperPearson(successes: 0, trials: 0) == nil)
        #expect(Statistics.clopperPearson(successes: 5, trials: 4) == nil)
        #expect(Statistics.clopperPearson(successes: -1, trials: 4) == nil)
        #expect(Statistics.clopperPearson(successes: 2, trials: 4, confidence: 1) == nil)
    }
}
