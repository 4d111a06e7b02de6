/// Second derivatives and their eigenvalues, for Hessian-based filters.
public enum Hessian {
    /// The six distinct second derivatives (per mm²) at voxel (x, y, z) of an
    /// already smoothed image, by central differences; the border voxel is
    /// replicated (the smoothing reflected there already).
    @inlinable @inline(__always)
    public static func secondDerivatives(
        _ p: UnsafePointer<Float>, nx: Int, ny: Int, nz: Int, x: Int, y: Int, z: Int, inverseSpacingMM h: SIMD3<Double>
    ) -> (xx: Double, yy: Double, zz: Double, xy: Double, xz: Double, yz: Double) {
        let xm = max(x - 1, 0), xp = min(x + 1, nx - 1)
        let ym = max(y - 1, 0), yp = min(y + 1, ny - 1)
        let zm = max(z - 1, 0), zp = min(z + 1, nz - 1)
        @inline(__always) func v(_ a: Int, _ b: Int, _ c: Int) -> Double { Double(p[a + nx * (b + ny * c)]) }
        let c = v(x, y, z)
        let xx = (v(xp, y, z) - 2 * c + v(xm, y, z)) * h.x * h.x
        let yy = (v(x, yp, z) - 2 * c + v(x, ym, z)) * h.y * h.y
        let zz = (v(x, y, zp) - 2 * c + v(x, y, zm)) * h.z * h.z
        let xy = (v(xp, yp, z) - v(xp, ym, z) - v(xm, yp, z) + v(xm, ym, z)) * 0.25 * h.x * h.y
        let xz = (v(xp, y, zp) - v(xp, y, zm) - v(xm, y, zp) + v(xm, y, zm)) * 0.25 * h.x * h.z
        let yz = (v(x, yp, zp) - v(x, yp, zm) - v(x, ym, zp) + v(x, ym, zm)) * 0.25 * h.y * h.z
        return (xx, yy, zz, xy, xz, yz)
    }

    /// Eigenvalues of the symmetric 3×3 matrix, sorted by increasing absolute
    /// value (|λ1| ≤ |λ2| ≤ |λ3|, Frangi's convention).
    ///
    /// Closed form of Smith, "Eigenvalues of a symmetric 3×3 matrix",
    /// Commun. ACM 4(4), 1961 (trigonometric solution of the characteristic cubic).
    @inlinable @inline(__always)
    public static func eigenvalues(xx: Double, yy: Double, zz: Double, xy: Double, xz: Double, yz: Double) -> SIMD3<Double> {
        let p1 = xy * xy + xz * xz + yz * yz
        var e0: Double, e1: Double, e2: Double
        if p1 == 0 {
            e0 = xx
            e1 = yy
            e2 = zz
        } else {
            let q = (xx + yy + zz) / 3
            let p2 = (xx - q) * (xx - q) + (yy - q) * (yy - q) + (zz - q) * (zz - q) + 2 * p1
            let p = (p2 / 6).squareRoot()
            let b00 = (xx - q) / p, b11 = (yy - q) / p, b22 = (zz - q) / p
            let b01 = xy / p, b02 = xz / p, b12 = yz / p
            let detB = b00 * (b11 * b22 - b12 * b12) - b01 * (b01 * b22 - b12 * b02) + b02 * (b01 * b12 - b11 * b02)
            let r = min(max(detB / 2, -1), 1)
            let phi = acos(r) / 3
            e0 = q + 2 * p * cos(phi)
            e2 = q + 2 * p * cos(phi + 2 * Double.pi / 3)
            e1 = 3 * q - e0 - e2
        }
        // Sort by absolute value (three compares).
        if abs(e0) > abs(e1) { swap(&e0, &e1) }
        if abs(e1) > abs(e2) { swap(&e1, &e2) }
        if abs(e0) > abs(e1) { swap(&e0, &e1) }
        return SIMD3(e0, e1, e2)
    }
}

import Foundation
