import Foundation

/// Gaussian smoothing by FFT: the image is extended by reflection by each
/// kernel's radius (plus padding up to a fast FFT size), transformed,
/// multiplied by the kernel's transfer function and transformed back.
///
/// Because the extension is at least the kernel radius, the circular
/// convolution never wraps into the part that is kept, so the result equals
/// the direct separable convolution with the same reflecting boundary
/// (to Float32 round-off).
enum FFTConvolution {
    static func apply(_ input: [Float], nx: Int, ny: Int, nz: Int, kernels: [GaussianKernel]) -> [Float]? {
        let radii = kernels.map(\.radius)
        let lx = FFTW.fastSize(nx + 2 * radii[0])
        let ly = FFTW.fastSize(ny + 2 * radii[1])
        let lz = FFTW.fastSize(nz + 2 * radii[2])
        guard let plan = FFTW.RealPlan3D(lx: lx, ly: ly, lz: lz, threads: ProcessInfo.processInfo.activeProcessorCount) else {
            return nil
        }
        let rowStride = 2 * (lx / 2 + 1)
        let buf = SharedBuffer(plan.buffer, count: plan.floatCount)

        // Fill the padded buffer: index p maps to image index p - radius, reflected.
        input.withUnsafeBufferPointer { src in
            let s = SharedBuffer(UnsafeMutablePointer(mutating: src.baseAddress!), count: src.count)
            parallelFor(lz) { pz in
                let z = Reflect.index(pz - radii[2], nz)
                for py in 0..<ly {
                    let y = Reflect.index(py - radii[1], ny)
                    let row = s.base + (z * ny + y) * nx
                    let out = buf.base + (pz * ly + py) * rowStride
                    for px in 0..<lx {
                        let v = row[Reflect.index(px - radii[0], nx)]
                        out[px] = v.isFinite ? v : 0
                    }
                }
            }
        }

        plan.executeForward()

        // Transfer functions of the (symmetric) kernels: real-valued.
        let hx = transfer(kernels[0], length: lx, count: lx / 2 + 1)
        let hy = transfer(kernels[1], length: ly, count: ly)
        let hz = transfer(kernels[2], length: lz, count: lz)
        let norm = 1.0 / (Double(lx) * Double(ly) * Double(lz))
        let cx = lx / 2 + 1
        parallelFor(lz) { kz in
            for ky in 0..<ly {
                let scale = hz[kz] * hy[ky] * norm
                let row = buf.base + (kz * ly + ky) * rowStride
                for kx in 0..<cx {
                    let h = Float(scale * hx[kx])
                    row[2 * kx] *= h
                    row[2 * kx + 1] *= h
                }
            }
        }

        plan.executeInverse()

        var output = [Float](repeating: 0, count: nx * ny * nz)
        output.withUnsafeMutableBufferPointer { dst in
            let d = SharedBuffer(dst.baseAddress!, count: dst.count)
            parallelFor(nz) { z in
                for y in 0..<ny {
                    let from = buf.base + ((z + radii[2]) * ly + (y + radii[1])) * rowStride + radii[0]
                    (d.base + (z * ny + y) * nx).update(from: from, count: nx)
                }
            }
        }
        return output
    }

    /// H[k] = Σ_j w_j cos(2π k j / L) for the kernel centred at index 0.
    private static func transfer(_ kernel: GaussianKernel, length: Int, count: Int) -> [Double] {
        let r = kernel.radius
        return (0..<count).map { k in
            var sum = 0.0
            for j in -r...r {
                sum += kernel.weights[j + r] * cos(2 * Double.pi * Double(k * j) / Double(length))
            }
            return sum
        }
    }
}
