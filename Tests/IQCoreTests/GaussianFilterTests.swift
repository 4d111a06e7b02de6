import Foundation
import IQCore
import Numerics
import Testing

@Suite struct GaussianFilterTests {
    /// A constant image stays constant: the kernel sums to 1 and the
    /// reflecting boundary brings in no other value. Tolerance 1e-5
    /// relative: Float32 accumulation over ≤ 3·41 taps.
    @Test(arguments: GaussianFilter.Method.allCases)
    func constantStaysConstant(method: GaussianFilter.Method) {
        let v = Volume(nx: 17, ny: 12, nz: 9, spacingMM: SIMD3(2, 2.5, 3), voxels: [Float](repeating: 7.25, count: 17 * 12 * 9))
        let out = GaussianFilter(fwhmMM: 8, method: method).apply(to: v)
        for value in out.voxels { #expect(abs(value - 7.25) <= 7.25 * 1e-5) }
    }

    /// A single bright voxel becomes the sampled Gaussian; its FWHM measured
    /// from the result (second moment → sigma → FWHM) matches the request
    /// within 2 % per axis, including anisotropic voxels.
    @Test(arguments: [(SIMD3<Double>(2, 2, 2), 6.0), (SIMD3<Double>(2.04, 2.04, 3.27), 6.0), (SIMD3<Double>(4.07, 4.07, 2.0), 10.0)])
    func impulseResponseHasRequestedFWHM(spacing: SIMD3<Double>, fwhm: Double) {
        let n = 41
        var v = Volume(nx: n, ny: n, nz: n, spacingMM: spacing, voxels: [Float](repeating: 0, count: n * n * n))
        v[20, 20, 20] = 1
        for method in [GaussianFilter.Method.direct, .fft] {
            let out = GaussianFilter(fwhmMM: fwhm, method: method).apply(to: v)
            let total = out.voxels.reduce(0.0) { $0 + Double($1) }
            #expect(total.isApproximatelyEqual(to: 1, relativeTolerance: 1e-4))
            for axis in 0..<3 {
                var m2 = 0.0
                for z in 0..<n {
                    for y in 0..<n {
                        for x in 0..<n {
                            let d = Double([x, y, z][axis] - 20) * spacing[axis]
                            m2 += Double(out[x, y, z]) * d * d
                        }
                    }
                }
                let measured = (m2 / total).squareRoot() * GaussianKernel.fwhmPerSigma
                #expect(measured.isApproximatelyEqual(to: fwhm, relativeTolerance: 0.02), "axis \(axis) \(method): \(measured) mm")
            }
            // Separable Gaussian: the peak is the product of the three 1D peak weights.
            let k = GaussianFilter(fwhmMM: fwhm).kernels(spacingMM: spacing)
            let peak = k.reduce(1.0) { $0 * $1.weights[$1.radius] }
            #expect(Double(out[20, 20, 20]).isApproximatelyEqual(to: peak, relativeTolerance: 1e-4))
        }
    }

    /// The FFT and direct paths agree to 1e-5 of the image maximum on random
    /// data with odd sizes, anisotropic spacing and kernels wider than the grid.
    @Test(arguments: [(SIMD3<Double>(2, 2, 3), 6.0), (SIMD3<Double>(1, 1.5, 0.7), 12.0), (SIMD3<Double>(4.1, 4.1, 4.1), 30.0)])
    func fftMatchesDirect(spacing: SIMD3<Double>, fwhm: Double) {
        let v = TestVolumes.random(nx: 23, ny: 18, nz: 11, spacingMM: spacing, seed: 7, lo: -1, hi: 3)
        let direct = GaussianFilter(fwhmMM: fwhm, method: .direct).apply(to: v)
        let fft = GaussianFilter(fwhmMM: fwhm, method: .fft).apply(to: v)
        let maxAbs = v.voxels.map { abs($0) }.max()!
        var worst: Float = 0
        for i in 0..<v.count { worst = max(worst, abs(direct.voxels[i] - fft.voxels[i])) }
        #expect(worst <= 1e-5 * maxAbs, "worst difference \(worst)")
    }

    /// The direct path equals an independent brute-force 3D convolution with
    /// explicit reflection (scipy's "reflect"), to Float32 round-off (1e-5).
    @Test func directMatchesBruteForce() {
        let spacing = SIMD3<Double>(2, 3, 2.5)
        let v = TestVolumes.random(nx: 9, ny: 7, nz: 6, spacingMM: spacing, seed: 3)
        let filter = GaussianFilter(fwhmMM: 7, method: .direct)
        let out = filter.apply(to: v)
        let k = filter.kernels(spacingMM: spacing)
        for z in 0..<6 {
            for y in 0..<7 {
                for x in 0..<9 {
                    var sum = 0.0
                    for c in -k[2].radius...k[2].radius {
                        for b in -k[1].radius...k[1].radius {
                            for a in -k[0].radius...k[0].radius {
                                let w = k[0].weights[a + k[0].radius] * k[1].weights[b + k[1].radius] * k[2].weights[c + k[2].radius]
                                sum += w * Double(v[Reflect.index(x + a, 9), Reflect.index(y + b, 7), Reflect.index(z + c, 6)])
                            }
                        }
                    }
                    #expect(abs(Double(out[x, y, z]) - sum) <= 1e-5)
                }
            }
        }
    }

    @Test func reflectIndexing() {
        // d c b a | a b c d | d c b a for n = 4.
        #expect((-4...7).map { Reflect.index($0, 4) } == [3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0])
        #expect(Reflect.index(-9, 1) == 0)
        #expect(Reflect.index(11, 3) == 0)  // period 6: 11 → 5 → 0
    }

    @Test func zeroFWHMIsIdentity() {
        let v = TestVolumes.random(nx: 5, ny: 4, nz: 3, spacingMM: SIMD3(1, 1, 1))
        #expect(GaussianFilter(fwhmMM: 0).apply(to: v).voxels == v.voxels)
    }

    @Test func nonFiniteVoxelsAreTreatedAsZeroOnBothPaths() {
        var v = Volume(nx: 9, ny: 9, nz: 9, spacingMM: SIMD3(2, 2, 2), voxels: [Float](repeating: 1, count: 729))
        v[4, 4, 4] = .nan
        v[0, 0, 0] = .infinity
        let direct = GaussianFilter(fwhmMM: 5, method: .direct).apply(to: v)
        let fft = GaussianFilter(fwhmMM: 5, method: .fft).apply(to: v)
        #expect(direct.voxels.allSatisfy { $0.isFinite })
        #expect(fft.voxels.allSatisfy { $0.isFinite })
        #expect(direct[4, 4, 4] < 1)
        for i in 0..<729 { #expect(abs(direct.voxels[i] - fft.voxels[i]) < 1e-5) }
    }

    @Test func edgeImageIsSmoothedMinusImage() {
        let v = TestVolumes.random(nx: 12, ny: 10, nz: 8, spacingMM: SIMD3(2, 2, 2))
        let e = EdgeImage.compute(v)
        let g = GaussianFilter(fwhmMM: 6).apply(to: v)
        for i in 0..<v.count { #expect(abs(e.voxels[i] - (g.voxels[i] - v.voxels[i])) <= 1e-6) }
        #expect(e.geometry == v.geometry)
    }

    @Test func automaticPicksDirectForSmallKernelsAndFFTForHugeOnes() {
        let f6 = GaussianFilter(fwhmMM: 6)
        #expect(f6.resolvedMethod(nx: 256, ny: 256, nz: 300, spacingMM: SIMD3(2.7, 2.7, 2)) == .direct)
        let f30 = GaussianFilter(fwhmMM: 30)
        #expect(f30.resolvedMethod(nx: 256, ny: 256, nz: 256, spacingMM: SIMD3(1, 1, 1)) == .fft)
    }

    @Test func invalidFWHMIsRefused() {
        #expect(throws: InputError.self) { try GaussianFilter(fwhmMM: -1).validate() }
        #expect(throws: InputError.self) { try GaussianFilter(fwhmMM: .nan).validate() }
    }
}
