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
}
