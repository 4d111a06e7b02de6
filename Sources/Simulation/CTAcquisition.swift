import Foundation
import IQCore

/// A CT acquisition in the projection domain, slice by slice (parallel-beam
/// geometry, one detector row per slice): attenuation from HU, line
/// integrals, Poisson quantum noise with incident photons proportional to
/// CTDIvol, Gaussian electronic noise, log, and filtered back-projection.
///
/// The projector is pixel-driven with linear interpolation on the detector;
/// the back-projector is its adjoint, so the pair is matched.
public struct CTAcquisition: Sendable, Codable {
    /// Linear attenuation of water in 1/mm (about 70 keV effective energy).
    public var muWaterPerMM = 0.0193
    /// Incident photons per detector element and view at 1 mGy CTDIvol.
    /// Calibrated so that FBP noise in this phantom (whose slices are far
    /// thinner than a thorax) is of the study's order: IQR about 100 HU at
    /// 0.2 mGy for 3 mm vessels. Public simulators use 1e4–1.5e5 photons at
    /// normal dose through a full patient.
    public var photonsPerMGy = 3.0e3
    /// Electronic noise standard deviation, in photon counts.
    public var electronicNoise = 5.0
    /// Number of views over 180°; nil = ⌈π/2 · n⌉ for an n-pixel slice.
    public var views: Int?
    /// Ramp filter path (not serialised: both give the same image to Float32 round-off).
    public var rampMethod: RampMethod = .fft

    private enum CodingKeys: String, CodingKey {
        case muWaterPerMM, photonsPerMGy, electronicNoise, views
    }

    public init() {}

    /// Reconstructs one acquisition of a noise-free HU volume at `ctdiVolMGy`
    /// (nil: no noise) by FBP; each slice has its own random stream from `seed`.
    /// For several acquisitions of one phantom, `project` once and
    /// `reconstruct` each: the result is the same.
    public func fbp(_ image: Volume, ctdiVolMGy: Double?, seed: UInt64) -> Volume {
        reconstruct(project(image), ctdiVolMGy: ctdiVolMGy, seed: seed)
    }

    /// The parallel-beam geometry of one slice: ⌈π/2 · n⌉ views over 180°
    /// (or `views`) and a detector of ⌈√(nx² + ny²)⌉ + 4 bins of one pixel.
    public struct SliceGeometry: Sendable, Equatable {
        public let nx: Int, ny: Int, views: Int, detectors: Int
        /// cos θ and sin θ of each view, computed once for every slice and acquisition.
        private let cosines: [Double], sines: [Double]

        public init(nx: Int, ny: Int, views: Int? = nil) {
            self.nx = nx
            self.ny = ny
            let count = views ?? Int((Double.pi / 2 * Double(max(nx, ny))).rounded(.up))
            self.views = count
            detectors = Int((Double(nx * nx + ny * ny)).squareRoot().rounded(.up)) + 4
            let thetas = (0..<count).map { Double.pi * Double($0) / Double(count) }
            cosines = thetas.map { cos($0) }
            sines = thetas.map { sin($0) }
        }

        public var centre: (x: Double, y: Double, detector: Double) { (Double(nx - 1) / 2, Double(ny - 1) / 2, Double(detectors - 1) / 2) }

        public func angle(_ a: Int) -> (cos: Double, sin: Double) { (cosines[a], sines[a]) }
    }

    /// The noise-free line integrals of a phantom (μ · length, dimensionless),
    /// every slice's sinogram (views × detectors, Float32), with the image
    /// geometry they came from.
    public struct Sinograms: Sendable {
        public let geometry: SliceGeometry
        /// The projected image (its geometry and header are the output's).
        public let template: Volume
        public let lineIntegrals: [Float]
        public var slices: Int { template.nz }
    }

    /// Projects every slice of a HU volume (attenuation from HU with
    /// `muWaterPerMM`, negative μ clipped to 0); slices in parallel.
    public func project(_ image: Volume) -> Sinograms {
        let g = SliceGeometry(nx: image.nx, ny: image.ny, views: views)
        let perSlice = g.views * g.detectors
        var data = [Float](repeating: 0, count: perSlice * image.nz)
        let pixelMM = image.spacingMM.x, muWater = muWaterPerMM
        data.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            let shared = SharedBuffer(base, count: buf.count)
            parallelFor(image.nz) { z in
                let n = g.nx * g.ny
                // μ in 1/pixel so that line integrals are dimensionless.
                let mu = image.voxels[(z * n)..<((z + 1) * n)].map { Double(max(0, muWater * (1 + Double($0) / 1000))) * pixelMM }
                let sino = Self.forwardProject(mu, g)
                for k in 0..<perSlice { shared[z * perSlice + k] = Float(sino[k]) }
            }
        }
        return Sinograms(geometry: g, template: image, lineIntegrals: data)
    }

    /// Pixel-driven projection with linear interpolation on the detector
    /// (the adjoint of `backProject`).
    public static func forwardProject(_ mu: [Double], _ g: SliceGeometry) -> [Double] {
        let (cx, cy, cd) = g.centre
        var sino = [Double](repeating: 0, count: g.views * g.detectors)
        for a in 0..<g.views {
            let (c, s) = g.angle(a)
            let row = a * g.detectors
            for y in 0..<g.ny {
                let yy = Double(y) - cy
                for x in 0..<g.nx {
                    let m = mu[x + g.nx * y]
                    if m == 0 { continue }
                    let t = (Double(x) - cx) * c + yy * s + cd
                    let k = Int(t)
                    let f = t - Double(k)
                    sino[row + k] += m * (1 - f)
                    sino[row + k + 1] += m * f
                }
            }
        }
        return sino
    }

    /// One acquisition from noise-free line integrals: Poisson counts with
    /// `photonsPerMGy · ctdiVolMGy` incident photons per bin, Gaussian
    /// electronic noise, log (counts ≤ 0 clipped to half a photon, as
    /// scanners do), Shepp–Logan ramp filter and back-projection; nil dose:
    /// no noise. Slices in parallel, each with its own random stream.
    public func reconstruct(_ sinograms: Sinograms, ctdiVolMGy: Double?, seed: UInt64) -> Volume {
        let g = sinograms.geometry
        let template = sinograms.template
        let n = g.nx * g.ny, perSlice = g.views * g.detectors
        var out = [Float](repeating: 0, count: n * template.nz)
        let me = self
        out.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            let shared = SharedBuffer(base, count: buf.count)
            parallelFor(template.nz) { z in
                var rng = SplitMix64(seed: seed &+ UInt64(z) &* 0x9E37_79B9)
                var sino = sinograms.lineIntegrals[(z * perSlice)..<((z + 1) * perSlice)].map(Double.init)
                if let dose = ctdiVolMGy { me.addNoise(&sino, i0: me.photonsPerMGy * dose, rng: &rng) }
                // Shepp–Logan ramp kernel h(n) = −2 / (π² (4n² − 1)) (Kak & Slaney,
                // Principles of CT Imaging, eq. 3.75 with the sinc window), over the
                // whole detector: a truncated kernel loses the ramp's low frequencies
                // and cups the image by ~100 HU.
                Self.rampFilter(&sino, detectors: g.detectors, views: g.views, method: me.rampMethod)
                let image = Self.backProject(sino, g)
                // π / views from the angular integral; μ back in 1/mm, then HU.
                let scale = Double.pi / Double(g.views) / template.spacingMM.x
                for k in 0..<n { shared[z * n + k] = Float(1000 * (image[k] * scale / me.muWaterPerMM - 1)) }
            }
        }
        var v = template.with(voxels: out)
        v.descrip = ctdiVolMGy.map { String(format: "iqkit simulated CT, FBP Shepp-Logan, %.2f mGy", $0) } ?? "iqkit simulated CT, FBP, noise-free"
        return v
    }

    func addNoise(_ sino: inout [Double], i0: Double, rng: inout SplitMix64) {
        for k in sino.indices {
            let counts = rng.nextPoisson(i0 * exp(-sino[k])) + electronicNoise * rng.nextNormal()
            sino[k] = log(i0 / max(counts, 0.5))
        }
    }

    /// Pixel-driven back-projection with linear interpolation (the adjoint
    /// of `forwardProject`), unscaled. Rows are done in tiles of about 32 kB
    /// that stay in cache while every view is added, four views per pass
    /// (one load and store of the tile per four views), in Float32: the
    /// filtered sinogram is rounded to Float32 and each tile summed in
    /// Float32, ≈ 1e-6 of the image's range, far below the quantum noise.
    public static func backProject(_ sino: [Double], _ g: SliceGeometry) -> [Double] {
        let (cx, cy, cd) = g.centre
        var image = [Double](repeating: 0, count: g.nx * g.ny)
        let tileRows = max(1, 8192 / max(1, g.nx))
        let filtered = sino.map(Float.init)
        var tile = [Float](repeating: 0, count: g.nx * tileRows)
        // Detector position of pixel (0, y) in view a, and its step along x.
        func start(_ a: Int, _ y: Int) -> Float {
            let (c, s) = g.angle(a)
            return Float((-cx) * c + (Double(y) - cy) * s + cd)
        }
        func step(_ a: Int) -> Float { Float(g.angle(a).cos) }
        filtered.withUnsafeBufferPointer { sp in
            image.withUnsafeMutableBufferPointer { ip in
                tile.withUnsafeMutableBufferPointer { tp in
                    guard let sinoBase = sp.baseAddress, let imageBase = ip.baseAddress, let tileBase = tp.baseAddress else { return }
                    var y0 = 0
                    while y0 < g.ny {
                        let y1 = min(g.ny, y0 + tileRows)
                        tileBase.update(repeating: 0, count: g.nx * (y1 - y0))
                        var a = 0
                        while a + 4 <= g.views {
                            let v0 = sinoBase + a * g.detectors, v1 = v0 + g.detectors, v2 = v1 + g.detectors, v3 = v2 + g.detectors
                            let s0 = step(a), s1 = step(a + 1), s2 = step(a + 2), s3 = step(a + 3)
                            for y in y0..<y1 {
                                let row = tileBase + g.nx * (y - y0)
                                let t0 = start(a, y), t1 = start(a + 1, y), t2 = start(a + 2, y), t3 = start(a + 3, y)
                                for x in 0..<g.nx {
                                    let xf = Float(x)
                                    row[x] += (interpolate(v0, t0 + xf * s0) + interpolate(v1, t1 + xf * s1))
                                        + (interpolate(v2, t2 + xf * s2) + interpolate(v3, t3 + xf * s3))
                                }
                            }
                            a += 4
                        }
                        while a < g.views {
                            let view = sinoBase + a * g.detectors, s0 = step(a)
                            for y in y0..<y1 {
                                let row = tileBase + g.nx * (y - y0)
                                let t0 = start(a, y)
                                for x in 0..<g.nx { row[x] += interpolate(view, t0 + Float(x) * s0) }
                            }
                            a += 1
                        }
                        for i in 0..<(g.nx * (y1 - y0)) { imageBase[g.nx * y0 + i] = Double(tileBase[i]) }
                        y0 = y1
                    }
                }
            }
        }
        return image
    }

    /// Linear interpolation of a detector row at position t (0 ≤ t < 2²², t + 1
    /// inside the row). The bin index is ⌊t⌋ without a checked conversion:
    /// adding 1.5 · 2²³ to t − ½ rounds it to an integer held in the low
    /// mantissa bits. At an exact integer t the rounding may give t − 1 with
    /// weight 1 on the next bin, the same value.
    @inline(__always)
    static func interpolate(_ row: UnsafePointer<Float>, _ t: Float) -> Float {
        let magic: Float = 12_582_912  // 1.5 · 2²³
        let r = (t - 0.5) + magic
        let k = Int(Int32(bitPattern: r.bitPattern) &- 0x4B40_0000)
        let lo = row[k]
        return lo + (row[k + 1] - lo) * (t - (r - magic))
    }

    /// How the ramp filter is applied: by FFT (FFTW, Float32, the default)
    /// or by the direct O(detectors²) sum per view (Double, the reference).
    public enum RampMethod: String, Sendable, Codable {
        case fft, direct
    }

    /// The Shepp–Logan ramp kernel over ±(detectors − 1): h(n) = −2 / (π² (4n² − 1)).
    public static func rampKernel(detectors: Int) -> [Double] {
        let h = detectors - 1
        return (-h...h).map { n -> Double in -2 / (Double.pi * Double.pi * (4 * Double(n * n) - 1)) }
    }

    /// FFT line convolvers by detector count, built once (planning takes FFTW's lock).
    private static let convolvers = ConvolverCache()

    /// Filters every view (a row of `detectors` samples) of a sinogram in place.
    public static func rampFilter(_ sino: inout [Double], detectors nDet: Int, views: Int, method: RampMethod = .fft) {
        precondition(sino.count == nDet * views)
        if method == .fft, let conv = convolvers.convolver(detectors: nDet) {
            sino.withUnsafeMutableBufferPointer { conv.apply($0.baseAddress!, lines: views) }
            return
        }
        let h = nDet - 1
        let kernel = rampKernel(detectors: nDet)
        var filtered = [Double](repeating: 0, count: nDet)
        for a in 0..<views {
            let row = a * nDet
            for d in 0..<nDet {
                var acc = 0.0
                for j in max(-h, -d)...min(h, nDet - 1 - d) { acc += kernel[j + h] * sino[row + d + j] }
                filtered[d] = acc
            }
            for d in 0..<nDet { sino[row + d] = filtered[d] }
        }
    }
}

/// Hybrid iterative reconstruction stand-in: the FBP image y denoised by
/// minimising ½‖x − y‖² + ½ Σ w_ij (x_i − x_j)² over 6-neighbour pairs, with
/// edge-preserving weights w_ij = β / (1 + ((g_i − g_j)/δ)²) taken from a
/// guide g, the FBP image smoothed by a Gaussian of `guideFWHMVoxels`, and
/// δ a multiple of the guide's noise SD. In the guide the noise is several
/// times lower than in y while a vessel's 1100 HU step to air survives, so
/// the weights stay small across vessel walls at every dose and large in
/// flat regions. (Weights from y itself, a Lorentzian penalty on x, gave
/// δ ≈ 3σ ≈ the wall contrast at 0.2 mGy and pulled the median of 3 mm
/// vessels from ≈ 100 HU down to 30–75 HU.) The quadratic problem is
/// solved by Jacobi iterations. It is image-domain, as hybrid methods such
/// as AIDR 3D largely are, not a model-based projection-domain method.
public struct HybridIterative: Sendable, Codable {
    /// Edge scale δ as a multiple of the guide's noise SD (at least
    /// `minDeltaHU`): guide differences well beyond it are edges.
    public var deltaPerNoiseSD = 3.0
    public var minDeltaHU = 10.0
    /// Penalty weight β: a fixed strength, like a vendor's "standard" level,
    /// so the noise falls by a roughly dose-independent factor.
    public var beta = 0.5
    public var iterations = 25
    /// Smoothing of the guide image, FWHM in voxels (isotropic).
    public var guideFWHMVoxels = 2.0

    public init() {}

    /// Noise estimate: MAD of horizontal neighbour differences / √2 (robust to sparse edges).
    public static func noiseSD(_ v: Volume) -> Double {
        var d: [Float] = []
        d.reserveCapacity(v.count)
        for i in 0..<(v.count - 1) where (i + 1) % v.nx != 0 { d.append(v.voxels[i + 1] - v.voxels[i]) }
        let med = Statistics.median(d)
        let mad = Statistics.median(d.map { Float(abs(Double($0) - med)) })
        return 1.4826 * mad / 2.0.squareRoot()
    }

    public func apply(_ y: Volume) -> Volume {
        let voxelFWHM = SIMD3(repeating: guideFWHMVoxels) * y.spacingMM
        let guide = GaussianFilter(fwhmMM: voxelFWHM).apply(to: y)
        let delta = max(deltaPerNoiseSD * Self.noiseSD(guide), minDeltaHU)
        let x = Self.solve(y.voxels, guide: guide.voxels, nx: y.nx, ny: y.ny, nz: y.nz,
                           beta: Float(beta), inverseDelta2: Float(1 / (delta * delta)), iterations: iterations)
        var v = y.with(voxels: x)
        v.descrip = "iqkit hybrid iterative (FBP + guided edge-preserving denoising)"
        return v
    }

    /// Jacobi iterations x_i ← (y_i + Σ_j w_ij x_j) / (1 + Σ_j w_ij), slices in parallel.
    static func solve(_ y: [Float], guide: [Float], nx: Int, ny: Int, nz: Int, beta: Float, inverseDelta2: Float, iterations: Int) -> [Float] {
        var x = y
        var next = y
        let nxy = nx * ny
        for _ in 0..<iterations {
            let current = x
            next.withUnsafeMutableBufferPointer { np in
                guard let nb = np.baseAddress else { return }
                let out = SharedBuffer(nb, count: np.count)
                parallelFor(nz) { z in
                    current.withUnsafeBufferPointer { prev in
                        y.withUnsafeBufferPointer { input in
                            guide.withUnsafeBufferPointer { g in
                                for row in 0..<ny {
                                    for col in 0..<nx {
                                        let i = col + nx * row + nxy * z
                                        let gi = g[i]
                                        var num = input[i], den: Float = 1
                                        @inline(__always) func neighbour(_ j: Int) {
                                            let d = gi - g[j]
                                            let w = beta / (1 + d * d * inverseDelta2)
                                            num += w * prev[j]
                                            den += w
                                        }
                                        if col > 0 { neighbour(i - 1) }
                                        if col < nx - 1 { neighbour(i + 1) }
                                        if row > 0 { neighbour(i - nx) }
                                        if row < ny - 1 { neighbour(i + nx) }
                                        if z > 0 { neighbour(i - nxy) }
                                        if z < nz - 1 { neighbour(i + nxy) }
                                        out[i] = num / den
                                    }
                                }
                            }
                        }
                    }
                }
            }
            swap(&x, &next)
        }
        return x
    }
}

/// The deep-learning stand-in, named for what it is: a learned linear
/// 5×5 in-plane filter (plus bias) fitted by least squares to map low-dose
/// FBP slices to their noise-free FBP, one filter per dose. It is trained on
/// simulated pairs of a training phantom (another random tree), never on the
/// test images.
public struct LearnedLinearDenoiser: Sendable, Codable {
    public static let name = "learned-linear-5x5 (least-squares filter trained on simulated low/high-dose pairs; DL stand-in)"
    public var weights: [Double]  // 25 taps, row-major dy, dx in −2…2, then bias

    public init(weights: [Double]) { self.weights = weights }

    /// Fits the filter on pairs (input, target) of the same grid.
    public static func train(inputs: [Volume], targets: [Volume]) -> LearnedLinearDenoiser {
        let p = 26
        var ata = [Double](repeating: 0, count: p * p)
        var atb = [Double](repeating: 0, count: p)
        var f = [Double](repeating: 0, count: p)
        for (input, target) in zip(inputs, targets) {
            let nx = input.nx, ny = input.ny
            for z in 0..<input.nz {
                for y in 2..<(ny - 2) {
                    for x in 2..<(nx - 2) {
                        var k = 0
                        for dy in -2...2 {
                            for dx in -2...2 {
                                f[k] = Double(input[x + dx, y + dy, z])
                                k += 1
                            }
                        }
                        f[25] = 1
                        let t = Double(target[x, y, z])
                        for r in 0..<p {
                            atb[r] += f[r] * t
                            for c in r..<p { ata[r * p + c] += f[r] * f[c] }
                        }
                    }
                }
            }
        }
        for r in 0..<p { for c in 0..<r { ata[r * p + c] = ata[c * p + r] } }
        // Tiny ridge (relative 1e-9) keeps the normal equations solvable on flat images.
        let ridge = 1e-9 * (0..<p).reduce(0) { $0 + ata[$1 * p + $1] } / Double(p)
        for r in 0..<p { ata[r * p + r] += ridge }
        return LearnedLinearDenoiser(weights: solve(ata, atb, n: p))
    }

    /// Gaussian elimination with partial pivoting.
    static func solve(_ a0: [Double], _ b0: [Double], n: Int) -> [Double] {
        var a = a0, b = b0
        for col in 0..<n {
            var pivot = col
            for r in (col + 1)..<n where abs(a[r * n + col]) > abs(a[pivot * n + col]) { pivot = r }
            if pivot != col {
                for c in 0..<n { a.swapAt(col * n + c, pivot * n + c) }
                b.swapAt(col, pivot)
            }
            let d = a[col * n + col]
            if d == 0 { continue }
            for r in (col + 1)..<n {
                let m = a[r * n + col] / d
                if m == 0 { continue }
                for c in col..<n { a[r * n + c] -= m * a[col * n + c] }
                b[r] -= m * b[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = b[r]
            for c in (r + 1)..<n { s -= a[r * n + c] * x[c] }
            x[r] = a[r * n + r] != 0 ? s / a[r * n + r] : 0
        }
        return x
    }

    public func apply(_ v: Volume) -> Volume {
        var out = v.voxels
        let w = weights, nx = v.nx, ny = v.ny
        out.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            let shared = SharedBuffer(base, count: buf.count)
            parallelFor(v.nz) { z in
                for y in 0..<ny {
                    for x in 0..<nx {
                        var acc = w[25]
                        var k = 0
                        for dy in -2...2 {
                            for dx in -2...2 {
                                // Reflect at the border.
                                var xx = x + dx, yy = y + dy
                                if xx < 0 { xx = -xx } else if xx >= nx { xx = 2 * nx - 2 - xx }
                                if yy < 0 { yy = -yy } else if yy >= ny { yy = 2 * ny - 2 - yy }
                                acc += w[k] * Double(v.voxels[min(max(xx, 0), nx - 1) + nx * (min(max(yy, 0), ny - 1) + ny * z)])
                                k += 1
                            }
                        }
                        shared[x + nx * (y + ny * z)] = Float(acc)
                    }
                }
            }
        }
        var r = v.with(voxels: out)
        r.descrip = "iqkit learned-linear-5x5 denoiser (DL stand-in)"
        return r
    }
}

/// One `FFTLineConvolution` per detector count, shared by the slices of an FBP.
private final class ConvolverCache: @unchecked Sendable {
    private let lock = NSLock()
    private var byLength: [Int: FFTLineConvolution] = [:]

    func convolver(detectors: Int) -> FFTLineConvolution? {
        lock.lock()
        defer { lock.unlock() }
        if let c = byLength[detectors] { return c }
        let c = FFTLineConvolution(kernel: CTAcquisition.rampKernel(detectors: detectors), length: detectors)
        if let c { byLength[detectors] = c }
        return c
    }
}
