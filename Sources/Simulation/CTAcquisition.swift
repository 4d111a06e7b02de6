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
    public func fbp(_ image: Volume, ctdiVolMGy: Double?, seed: UInt64) -> Volume {
        let nx = image.nx, ny = image.ny, nz = image.nz
        var out = [Float](repeating: 0, count: image.count)
        let me = self
        out.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            let shared = SharedBuffer(base, count: buf.count)
            parallelFor(nz) { z in
                let slice = Array(image.voxels[(z * nx * ny)..<((z + 1) * nx * ny)])
                var rng = SplitMix64(seed: seed &+ UInt64(z) &* 0x9E37_79B9)
                let recon = me.sliceFBP(slice, nx: nx, ny: ny, pixelMM: image.spacingMM.x, ctdiVolMGy: ctdiVolMGy, rng: &rng)
                for k in 0..<(nx * ny) { shared[z * nx * ny + k] = recon[k] }
            }
        }
        var v = image.with(voxels: out)
        v.descrip = ctdiVolMGy.map { String(format: "iqkit simulated CT, FBP Shepp-Logan, %.2f mGy", $0) } ?? "iqkit simulated CT, FBP, noise-free"
        return v
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

    func sliceFBP(_ slice: [Float], nx: Int, ny: Int, pixelMM: Double, ctdiVolMGy: Double?, rng: inout SplitMix64) -> [Float] {
        let nViews = views ?? Int((Double.pi / 2 * Double(max(nx, ny))).rounded(.up))
        let nDet = Int((Double(nx * nx + ny * ny)).squareRoot().rounded(.up)) + 4
        let cx = Double(nx - 1) / 2, cy = Double(ny - 1) / 2, cd = Double(nDet - 1) / 2
        // μ in 1/pixel so that line integrals are dimensionless.
        let mu = slice.map { Double(max(0, muWaterPerMM * (1 + Double($0) / 1000))) * pixelMM }
        var cosT = [Double](repeating: 0, count: nViews), sinT = cosT
        for a in 0..<nViews {
            let t = Double.pi * Double(a) / Double(nViews)
            cosT[a] = cos(t)
            sinT[a] = sin(t)
        }
        var sino = [Double](repeating: 0, count: nViews * nDet)
        for a in 0..<nViews {
            let c = cosT[a], s = sinT[a]
            let row = a * nDet
            for y in 0..<ny {
                let yy = Double(y) - cy
                for x in 0..<nx {
                    let m = mu[x + nx * y]
                    if m == 0 { continue }
                    let t = (Double(x) - cx) * c + yy * s + cd
                    let k = Int(t)
                    let f = t - Double(k)
                    sino[row + k] += m * (1 - f)
                    sino[row + k + 1] += m * f
                }
            }
        }
        if let dose = ctdiVolMGy {
            let i0 = photonsPerMGy * dose
            for k in sino.indices {
                let counts = rng.nextPoisson(i0 * exp(-sino[k])) + electronicNoise * rng.nextNormal()
                // Counts at or below zero are clipped to half a photon, as scanners do before the log.
                sino[k] = log(i0 / max(counts, 0.5))
            }
        }
        // Shepp–Logan ramp kernel h(n) = −2 / (π² (4n² − 1)) (Kak & Slaney,
        // Principles of CT Imaging, eq. 3.75 with the sinc window), over the
        // whole detector: a truncated kernel loses the ramp's low frequencies
        // and cups the image by ~100 HU.
        Self.rampFilter(&sino, detectors: nDet, views: nViews, method: rampMethod)
        var image = [Double](repeating: 0, count: nx * ny)
        sino.withUnsafeBufferPointer { sp in
            guard let sinoBase = sp.baseAddress else { return }
            for a in 0..<nViews {
                let filtered = sinoBase + a * nDet
                let c = cosT[a], s = sinT[a]
                for y in 0..<ny {
                    let yy = Double(y) - cy
                    for x in 0..<nx {
                        let t = (Double(x) - cx) * c + yy * s + cd
                        let k = Int(t)
                        let f = t - Double(k)
                        image[x + nx * y] += filtered[k] * (1 - f) + filtered[k + 1] * f
                    }
                }
            }
        }
        // π / views from the angular integral; μ back in 1/mm, then HU.
        let scale = Double.pi / Double(nViews) / pixelMM
        return image.map { Float(1000 * ($0 * scale / muWaterPerMM - 1)) }
    }
}

/// Hybrid iterative reconstruction stand-in: the FBP image denoised by
/// minimising ½‖x − y‖² + β Σ ρ_δ(x_i − x_j) over 6-neighbour pairs with
/// the edge-preserving Lorentzian penalty ρ = δ² log(1 + (d/δ)²)/2, whose
/// weight 1/(1 + (d/δ)²) falls fast beyond δ (a Huber penalty's linear
/// tail was tried and leaked ~70 HU of the contrast of 3 mm vessels).
/// It is image-domain (as hybrid methods such as AIDR 3D largely are), not
/// a model-based projection-domain reconstruction.
public struct HybridIterative: Sendable, Codable {
    /// Edge scale δ as a multiple of the estimated noise SD σ̂ (at least
    /// `minDeltaHU`): neighbour differences well beyond it are edges, so
    /// the 1100 HU vessel wall is kept while noise is smoothed at every dose.
    public var deltaPerNoiseSD = 3.0
    public var minDeltaHU = 30.0
    /// Penalty weight β: a fixed strength, like a vendor's "standard" level,
    /// so the noise falls by a roughly dose-independent factor.
    public var beta = 1.5
    public var iterations = 25

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
        let sigma = Self.noiseSD(y)
        let beta = self.beta
        let nx = y.nx, ny = y.ny, nz = y.nz
        var x = y.voxels
        let delta = max(deltaPerNoiseSD * sigma, minDeltaHU)
        for _ in 0..<iterations {
            let prev = x
            x.withUnsafeMutableBufferPointer { buf in
                guard let base = buf.baseAddress else { return }
                let out = SharedBuffer(base, count: buf.count)
                parallelFor(nz) { z in
                    for yy in 0..<ny {
                        for xx in 0..<nx {
                            let i = xx + nx * (yy + ny * z)
                            let xi = Double(prev[i])
                            var num = Double(y.voxels[i]), den = 1.0
                            // Half-quadratic (IRLS) Jacobi step: Lorentzian weight 1 / (1 + (d/δ)²).
                            for (dx, dy, dz) in [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)] {
                                let a = xx + dx, b = yy + dy, c = z + dz
                                if a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz { continue }
                                let xj = Double(prev[a + nx * (b + ny * c)])
                                let d = (xi - xj) / delta
                                let w = beta / (1 + d * d)
                                num += w * xj
                                den += w
                            }
                            out[i] = Float(num / den)
                        }
                    }
                }
            }
        }
        var v = y.with(voxels: x)
        v.descrip = "iqkit hybrid iterative (FBP + Lorentzian-penalised denoising)"
        return v
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
        for z in 0..<v.nz {
            for y in 0..<v.ny {
                for x in 0..<v.nx {
                    var acc = weights[25]
                    var k = 0
                    for dy in -2...2 {
                        for dx in -2...2 {
                            // Reflect at the border.
                            var xx = x + dx, yy = y + dy
                            if xx < 0 { xx = -xx } else if xx >= v.nx { xx = 2 * v.nx - 2 - xx }
                            if yy < 0 { yy = -yy } else if yy >= v.ny { yy = 2 * v.ny - 2 - yy }
                            acc += weights[k] * Double(v[min(max(xx, 0), v.nx - 1), min(max(yy, 0), v.ny - 1), z])
                            k += 1
                        }
                    }
                    out[x + v.nx * (y + v.ny * z)] = Float(acc)
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
