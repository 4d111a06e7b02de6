import IQCore
import Testing

@Suite struct ResamplerTests {
    /// Trilinear interpolation reproduces a linear function of world position
    /// exactly away from the clamped border; tolerance 1e-3 of the range
    /// (Float32 arithmetic on values up to ~400).
    @Test(arguments: [SIMD3<Double>(4, 4, 4), SIMD3(2.7, 3.3, 4.1), SIMD3(1.5, 1.5, 2)])
    func linearFunctionIsExactInside(newSpacing: SIMD3<Double>) {
        let spacing = SIMD3<Double>(2.0, 2.5, 3.0)
        var v = Volume(nx: 40, ny: 36, nz: 30, spacingMM: spacing, voxels: [Float](repeating: 0, count: 40 * 36 * 30),
                       geometry: .axisAligned(spacingMM: spacing, originMM: SIMD3(-40, 12, 100)))
        func f(_ p: SIMD3<Double>) -> Double { 0.5 * p.x - 0.25 * p.y + 0.75 * p.z }
        for z in 0..<v.nz { for y in 0..<v.ny { for x in 0..<v.nx { v[x, y, z] = Float(f(v.worldMM(SIMD3(Double(x), Double(y), Double(z))))) } } }
        let r = Resampler.trilinear(v, spacingMM: newSpacing)
        // Same field of view.
        for a in 0..<3 { #expect(abs(Double(r.dimensions[a]) * r.spacingMM[a] - Double(v.dimensions[a]) * spacing[a]) < 1e-9) }
        var worst = 0.0
        for z in 0..<r.nz { for y in 0..<r.ny { for x in 0..<r.nx {
            let w = r.worldMM(SIMD3(Double(x), Double(y), Double(z)))
            let i = (w - v.worldMM(.zero)) / spacing
            // Inside the old voxel centres only (outside, values are clamped).
            guard i.x >= 0, i.y >= 0, i.z >= 0, i.x <= Double(v.nx - 1), i.y <= Double(v.ny - 1), i.z <= Double(v.nz - 1) else { continue }
            worst = max(worst, abs(Double(r[x, y, z]) - f(w)))
        } } }
        #expect(worst < 1e-3 * 100, "worst error \(worst)")
    }

    /// The same spacing gives the same voxels and geometry.
    @Test func identity() {
        let spacing = SIMD3<Double>(3, 3, 3)
        let voxels = (0..<(9 * 8 * 7)).map { Float($0 % 13) }
        let v = Volume(nx: 9, ny: 8, nz: 7, spacingMM: spacing, voxels: voxels)
        let r = Resampler.trilinear(v, spacingMM: spacing)
        #expect(r.voxels == voxels)
        #expect(r.geometry == v.geometry)
    }

    /// Nearest-voxel resampling: same grid and geometry as trilinear, every
    /// value copied from the old voxel whose centre is nearest the new
    /// centre (checked against that rule directly), and white noise keeps
    /// its standard deviation on a 4.07 → 4 mm grid, where trilinear
    /// interpolation, averaging neighbours wherever the sample points fall
    /// between old centres, lowers it (by ≈ 25–35 %; asserted ≥ 15 %).
    @Test func nearestCopiesTheNearestVoxel() {
        let spacing = SIMD3<Double>(4.07, 4.07, 4.07)
        let n = 40
        var random = SplitMix64(seed: 11)
        let voxels = (0..<(n * n * n)).map { _ in Float(random.nextUniform() - 0.5) }
        let v = Volume(nx: n, ny: n, nz: n, spacingMM: spacing, voxels: voxels, geometry: .axisAligned(spacingMM: spacing, originMM: SIMD3(-80, -80, -80)))
        let target = SIMD3<Double>(repeating: 4)
        let near = Resampler.nearest(v, spacingMM: target), lin = Resampler.trilinear(v, spacingMM: target)
        #expect(near.dimensions == lin.dimensions)
        #expect(near.geometry == lin.geometry)
        var mismatches = 0
        for z in 0..<near.nz { for y in 0..<near.ny { for x in 0..<near.nx {
            let i = (near.worldMM(SIMD3(Double(x), Double(y), Double(z))) - v.worldMM(.zero)) / spacing
            let j = SIMD3<Int>((0..<3).map { min(max(Int(i[$0].rounded()), 0), n - 1) })
            if near[x, y, z] != v[j.x, j.y, j.z] { mismatches += 1 }
        } } }
        #expect(mismatches == 0)
        func sd(_ a: [Float]) -> Double {
            let m = a.reduce(0.0) { $0 + Double($1) } / Double(a.count)
            return (a.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(a.count)).squareRoot()
        }
        let native = sd(voxels), nearSD = sd(near.voxels), linSD = sd(lin.voxels)
        #expect(abs(nearSD / native - 1) < 0.02, "nearest \(nearSD) vs native \(native)")
        #expect(linSD / native < 0.85, "trilinear \(linSD) vs native \(native)")
        #expect(Resampler.nearest(v, spacingMM: spacing).voxels == voxels)
    }
}
