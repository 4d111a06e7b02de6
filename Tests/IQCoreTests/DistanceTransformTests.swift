import IQCore
import Testing

@Suite struct DistanceTransformTests {
    /// Against brute force over all background voxels: both are exact
    /// distances between voxel centres, so they agree to Float rounding
    /// (1e-4 mm on distances below 20 mm).
    @Test(arguments: [SIMD3<Double>(1, 1, 1), SIMD3(0.5, 0.8, 1.3)])
    func matchesBruteForce(spacing: SIMD3<Double>) {
        let nx = 9, ny = 7, nz = 6
        var state: UInt64 = 12345
        let mask = (0..<(nx * ny * nz)).map { _ -> Bool in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (state >> 33) % 5 != 0
        }
        let d = DistanceTransform.distanceMM(mask: mask, nx: nx, ny: ny, nz: nz, spacingMM: spacing)
        for i in 0..<mask.count {
            let (x, y, z) = (i % nx, (i / nx) % ny, i / (nx * ny))
            var best = Double.infinity
            for j in 0..<mask.count where !mask[j] {
                let dx = Double(j % nx - x) * spacing.x, dy = Double((j / nx) % ny - y) * spacing.y, dz = Double(j / (nx * ny) - z) * spacing.z
                best = min(best, (dx * dx + dy * dy + dz * dz).squareRoot())
            }
            #expect(abs(Double(d[i]) - best) < 1e-4)
        }
    }

    @Test func noBackgroundIsInfinite() {
        let d = DistanceTransform.distanceMM(mask: [Bool](repeating: true, count: 8), nx: 2, ny: 2, nz: 2, spacingMM: SIMD3(1, 1, 1))
        #expect(d.allSatisfy { $0 == .infinity })
    }
}

@Suite struct ConnectedComponentsTests {
    @Test func connectivityDecidesDiagonalNeighbours() {
        // Two voxels touching only at a corner: one component with 26, two with 6 or 18.
        var mask = [Bool](repeating: false, count: 27)
        mask[0] = true
        mask[1 + 3 * (1 + 3 * 1)] = true
        #expect(ConnectedComponents.label(mask, nx: 3, ny: 3, nz: 3, connectivity: .corners).sizes == [2])
        #expect(ConnectedComponents.label(mask, nx: 3, ny: 3, nz: 3, connectivity: .edges).sizes == [1, 1])
        #expect(ConnectedComponents.label(mask, nx: 3, ny: 3, nz: 3, connectivity: .faces).sizes == [1, 1])
    }

    @Test func labelsAreConsistent() {
        // An L of 4 voxels and a separate voxel.
        let nx = 5, ny = 5, nz = 1
        var mask = [Bool](repeating: false, count: nx * ny)
        for i in [0, 1, 2, 2 + nx, 4 + 4 * nx] { mask[i] = true }
        let (labels, sizes) = ConnectedComponents.label(mask, nx: nx, ny: ny, nz: nz, connectivity: .faces)
        #expect(sizes == [4, 1])
        #expect(labels[0] == 1 && labels[2 + nx] == 1 && labels[4 + 4 * nx] == 2 && labels[3] == 0)
    }
}

@Suite struct HessianTests {
    /// Eigenvalues of R·diag(λ)·Rᵀ for a rotation R come back sorted by |λ|;
    /// the closed form loses about 1e-12 relative in double precision.
    @Test func eigenvaluesOfRotatedDiagonal() {
        let lambdas: [SIMD3<Double>] = [SIMD3(-0.1, -5, -7), SIMD3(3, -2, 1), SIMD3(2, 2, -9), SIMD3(0, 0, 0)]
        let a = 0.7, b = 0.3
        // Rotation about z by a, then about x by b.
        let rz = [[cos(a), -sin(a), 0], [sin(a), cos(a), 0], [0, 0, 1.0]]
        let rx = [[1, 0, 0], [0, cos(b), -sin(b)], [0, sin(b), cos(b)]]
        func mul(_ p: [[Double]], _ q: [[Double]]) -> [[Double]] {
            (0..<3).map { i in (0..<3).map { j in (0..<3).reduce(0) { $0 + p[i][$1] * q[$1][j] } } }
        }
        let r = mul(rx, rz)
        let rt = (0..<3).map { i in (0..<3).map { j in r[j][i] } }
        for l in lambdas {
            let d = [[l.x, 0, 0], [0, l.y, 0], [0, 0, l.z]]
            let m = mul(mul(r, d), rt)
            let e = Hessian.eigenvalues(xx: m[0][0], yy: m[1][1], zz: m[2][2], xy: m[0][1], xz: m[0][2], yz: m[1][2])
            let expected = [l.x, l.y, l.z].sorted { abs($0) < abs($1) }
            for k in 0..<3 { #expect(abs(e[k] - expected[k]) < 1e-9) }
        }
    }

    /// Second differences are exact on a quadratic: f = 3x² − 2xy + z² (per mm²).
    @Test func derivativesOfQuadratic() {
        let nx = 5, ny = 5, nz = 5, h = SIMD3<Double>(0.5, 1, 2)
        var v = [Float](repeating: 0, count: nx * ny * nz)
        for z in 0..<nz { for y in 0..<ny { for x in 0..<nx {
            let (px, py, pz) = (Double(x) * h.x, Double(y) * h.y, Double(z) * h.z)
            v[x + nx * (y + ny * z)] = Float(3 * px * px - 2 * px * py + pz * pz)
        } } }
        v.withUnsafeBufferPointer { p in
            let d = Hessian.secondDerivatives(p.baseAddress!, nx: nx, ny: ny, nz: nz, x: 2, y: 2, z: 2, inverseSpacingMM: 1 / h)
            // Float storage of values up to ~70 limits the accuracy to ~1e-4 after dividing by h² = 0.25.
            #expect(abs(d.xx - 6) < 1e-3 && abs(d.xy + 2) < 1e-3 && abs(d.zz - 2) < 1e-3)
            #expect(abs(d.yy) < 1e-3 && abs(d.xz) < 1e-3 && abs(d.yz) < 1e-3)
        }
    }
}

import Foundation
