/// Least-squares rigid transform between matched point sets (Kabsch
/// algorithm, SVD by GSL): `to ≈ R·from + t`.
public enum RigidFit {
    public struct Result: Sendable {
        /// Row-major 3×3; a rotation, or a reflection when allowed and better.
        public var rotation: [Double]
        public var translation: SIMD3<Double>
        /// Root-mean-square residual distance.
        public var rms: Double
    }

    /// - Parameter allowReflection: also consider det(R) = −1 (mirrored data).
    /// - Returns: nil for fewer than 3 points or a failed SVD.
    public static func fit(from: [SIMD3<Double>], to: [SIMD3<Double>], allowReflection: Bool = false) -> Result? {
        guard from.count == to.count, from.count >= 3 else { return nil }
        let n = Double(from.count)
        let cf = from.reduce(SIMD3<Double>.zero, +) / n
        let ct = to.reduce(SIMD3<Double>.zero, +) / n
        var h = [Double](repeating: 0, count: 9)  // H = Σ (from − cf)(to − ct)ᵀ
        for (a, b) in zip(from, to) {
            let p = a - cf, q = b - ct
            for r in 0..<3 { for c in 0..<3 { h[3 * r + c] += p[r] * q[c] } }
        }
        guard let svd = GSL.svd3(h) else { return nil }
        func rotation(flip: Bool) -> [Double] {
            // R = V · diag(1, 1, ±1) · Uᵀ
            let d: [Double] = [1, 1, flip ? -1 : 1]
            return (0..<9).map { i in
                let r = i / 3, c = i % 3
                return (0..<3).reduce(0.0) { $0 + svd.v[3 * r + $1] * d[$1] * svd.u[3 * c + $1] }
            }
        }
        func det(_ m: [Double]) -> Double {
            m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6])
        }
        func evaluate(_ r: [Double]) -> Result {
            let rc = SIMD3(r[0] * cf.x + r[1] * cf.y + r[2] * cf.z, r[3] * cf.x + r[4] * cf.y + r[5] * cf.z, r[6] * cf.x + r[7] * cf.y + r[8] * cf.z)
            let t = ct - rc
            var ss = 0.0
            for (a, b) in zip(from, to) {
                let m = SIMD3(r[0] * a.x + r[1] * a.y + r[2] * a.z, r[3] * a.x + r[4] * a.y + r[5] * a.z, r[6] * a.x + r[7] * a.y + r[8] * a.z) + t
                ss += ((m - b) * (m - b)).sum()
            }
            return Result(rotation: r, translation: t, rms: (ss / n).squareRoot())
        }
        let plain = rotation(flip: false)
        let proper = det(plain) < 0 ? rotation(flip: true) : plain
        var best = evaluate(proper)
        if allowReflection {
            let improper = det(plain) < 0 ? plain : rotation(flip: true)
            let mirrored = evaluate(improper)
            if mirrored.rms < best.rms - 1e-9 { best = mirrored }
        }
        return best
    }
}
