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
