import IQCore
import Simulation
import SparseCNN
import Testing
import EARLClassifier

@Suite struct PreprocessingTests {
    let input = InputSpecification(voxelSizeMM: 4, edgeFWHMMM: 6, normalisation: "body-median", features: ["edge", "intensity"], activeStride: 1)

    /// Bq/mL and SUV (a constant factor) give the same sites and features:
    /// every step is scale-equivariant and the normalisation divides the
    /// scale out. Tolerance 1e-5 relative: Float32 rounding of the scaled
    /// values through the Gaussian and the division.
    @Test func unitsDoNotMatter() throws {
        let bq = SyntheticScans.scan(seed: 3, label: .earl1)
        var suv = bq.with(voxels: bq.voxels.map { $0 / 4321 })
        suv.unit = "SUV"
        let pre = try ScanPreprocessor(input: input)
        let a = try pre.prepare(bq, path: "bq"), b = try pre.prepare(suv, path: "suv")
        #expect(a.tensor.sites.coordinates == b.tensor.sites.coordinates)
        let worst = zip(a.tensor.features, b.tensor.features).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
        #expect(worst < 1e-5, "worst relative difference \(worst)")
    }

    /// "native-max": at every site, the hottest native voxel of that network
    /// voxel (`Resampler.maxPool` of the scan) over the body median, read
    /// from the native grid, so on a 2 mm scan it is never below the
    /// native voxels' mean of the site (the band-limited intensity can ring
    /// past it, the mean cannot); on a 4 mm scan it is the intensity itself.
    @Test func nativeMaxChannel() throws {
        let fine = SyntheticScans.scan(seed: 4, label: .clinical, spacingMM: 2)
        let native = SyntheticScans.scan(seed: 4, label: .clinical)
        let spec = InputSpecification(
            voxelSizeMM: 4, edgeFWHMMM: 6, normalisation: "body-median", features: ["intensity", "native-max"], activeStride: 1, resampling: "band-limited")
        let prepared = try ScanPreprocessor(input: spec).prepare(fine, path: "fine")
        let pooled = Resampler.maxPool(fine, spacingMM: SIMD3(repeating: 4))
        let scale = Float(1 / prepared.bodyMedian)
        var mismatches = 0, belowMean = 0
        for (i, c) in prepared.tensor.sites.coordinates.enumerated() {
            let (x, y, z) = (Int(c.x), Int(c.y), Int(c.z))
            let expected = min(max(pooled[x, y, z] * scale, -ScanPreprocessor.featureClamp), ScanPreprocessor.featureClamp)
            if prepared.tensor.features[2 * i + 1] != expected { mismatches += 1 }
            var mean: Float = 0
            for b in 0..<8 { mean += fine[2 * x + b & 1, 2 * y + (b >> 1) & 1, 2 * z + (b >> 2) & 1] / 8 }
            if prepared.tensor.features[2 * i + 1] < mean * scale - 1e-6 { belowMean += 1 }
        }
        #expect(prepared.tensor.sites.count > 1000)
        #expect(mismatches == 0)
        #expect(belowMean == 0)
        // A 4 mm scan needs no pooling: the channel repeats the intensity.
        let same = try ScanPreprocessor(input: spec).prepare(native, path: "native")
        let f = same.tensor.features
        #expect((0..<same.tensor.count).allSatisfy { f[2 * $0] == f[2 * $0 + 1] })
    }

    /// "edge-relative" is the edge image over the body median whatever the
    /// normalisation, so under "body-median-edge-mad" it is the "edge"
    /// channel times one constant (the edge MAD over the body median), and
    /// under "body-median" the two channels are equal. Units still cancel.
    @Test func relativeEdgeChannel() throws {
        let scan = SyntheticScans.scan(seed: 5, label: .earl2)
        let mad = try ScanPreprocessor(input: InputSpecification(
            voxelSizeMM: 4, edgeFWHMMM: 6, normalisation: "body-median-edge-mad", features: ["edge", "edge-relative"], activeStride: 1)).prepare(scan, path: "a")
        let plain = try ScanPreprocessor(input: InputSpecification(
            voxelSizeMM: 4, edgeFWHMMM: 6, normalisation: "body-median", features: ["edge", "edge-relative"], activeStride: 1)).prepare(scan, path: "b")
        let f = plain.tensor.features
        #expect(stride(from: 0, to: f.count, by: 2).allSatisfy { f[$0] == f[$0 + 1] })
        #expect(mad.tensor.features.enumerated().filter { $0.offset % 2 == 1 }.map(\.element) == f.enumerated().filter { $0.offset % 2 == 1 }.map(\.element))
        let g = mad.tensor.features
        let ratios = stride(from: 0, to: g.count, by: 2).compactMap { abs(g[$0]) > 0.5 && abs(g[$0]) < 19 ? g[$0 + 1] / g[$0] : nil }
        let spread = (ratios.max() ?? 0) - (ratios.min() ?? 0)
        #expect(!ratios.isEmpty && spread <= 1e-5 * abs(ratios[0]), "ratio spread \(spread)")
        #expect(throws: InputError.self) {
            try ScanPreprocessor(input: InputSpecification(voxelSizeMM: 4, edgeFWHMMM: 6, normalisation: "body-median", features: ["edges"], activeStride: 1))
        }
    }

    /// "edge-noise": the same at every site, 10 × the robust spread
    /// (1.4826 × MAD) of the edge image over the body median, whatever the
    /// normalisation. Checked against that spread computed here by sorting
    /// the "edge-relative" channel (the edge image over the body median at
    /// every body voxel); tolerance 1e-4 relative: Float32 sums and the
    /// median of an even count (here the average of two middle values, in
    /// the preprocessor an interpolation of the same two).
    @Test func edgeNoiseChannel() throws {
        let scan = SyntheticScans.scan(seed: 6, label: .clinical)
        func prepare(_ normalisation: String, _ features: [String]) throws -> PreparedScan {
            try ScanPreprocessor(input: InputSpecification(voxelSizeMM: 4, edgeFWHMMM: 6, normalisation: normalisation, features: features, activeStride: 1))
                .prepare(scan, path: "a")
        }
        let plain = try prepare("body-median", ["edge-relative", "edge-noise"])
        let relative = stride(from: 0, to: plain.tensor.features.count, by: 2).map { Double(plain.tensor.features[$0]) }
        func median(_ v: [Double]) -> Double {
            let s = v.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        let centre = median(relative)
        let expected = 10 * 1.4826 * median(relative.map { abs($0 - centre) })
        let noise = stride(from: 1, to: plain.tensor.features.count, by: 2).map { plain.tensor.features[$0] }
        #expect(Set(noise).count == 1)
        #expect(abs(Double(noise[0]) - expected) <= 1e-4 * expected, "edge-noise \(noise[0]), expected \(expected)")
        #expect(expected > 0.05 && expected < 5, "of order 1: \(expected)")
        let mad = try prepare("body-median-edge-mad", ["edge", "edge-noise"])
        #expect(stride(from: 1, to: mad.tensor.features.count, by: 2).allSatisfy { mad.tensor.features[$0] == noise[0] })
        // `PreparedScan.edgeNoise` is the same spread, measured whether or not a feature needs it.
        for prepared in [plain, mad, try prepare("body-median", ["intensity"])] {
            #expect(abs(10 * prepared.edgeNoise - Double(noise[0])) <= 1e-5 * Double(noise[0]), "\(prepared.edgeNoise)")
        }
        // Added voxel noise (10 % of the uptake), a larger reading.
        var noisier = scan
        var rng = SplitMix64(seed: 11)
        for i in noisier.voxels.indices where noisier.voxels[i] > 0 { noisier.voxels[i] += Float(rng.nextNormal()) * 0.1 * noisier.voxels[i] }
        let louder = try ScanPreprocessor(input: InputSpecification(voxelSizeMM: 4, edgeFWHMMM: 6, normalisation: "body-median", features: ["edge-noise"], activeStride: 1))
            .prepare(noisier, path: "b")
        #expect(louder.tensor.features[0] > noise[0] * 1.2, "\(louder.tensor.features[0]) vs \(noise[0])")
    }

    /// `PreparedScan.edgeNoise` against a closed form: a uniform body with
    /// white Gaussian noise of SD σ (as a fraction of its level) has an edge
    /// image E = (g − δ) ∗ n of SD σ·‖g − δ‖₂, and the robust spread
    /// (1.4826 × MAD) of Gaussian values estimates their SD. ‖g − δ‖₂ is
    /// read from the edge filter's response to an impulse. Tolerance 2 %:
    /// the MAD's standard error over 64³ values is about 0.2 %, and the
    /// reflected borders change E's variance in the outer two layers only.
    /// Unit-free: the image × 1000 (Bq/mL instead of SUV) reads the same.
    @Test func edgeNoiseOfWhiteNoiseMatchesTheClosedForm() throws {
        let n = 64
        var impulse = Volume(nx: n, ny: n, nz: n, spacingMM: SIMD3(repeating: 4), voxels: [Float](repeating: 0, count: n * n * n))
        impulse.voxels[n / 2 + n * (n / 2 + n * (n / 2))] = 1
        let response = EdgeImage.compute(impulse, fwhmMM: 6).voxels
        let gain = response.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(gain > 0.5 && gain < 1, "‖g − δ‖₂ = \(gain)")
        let preprocessor = try ScanPreprocessor(input: ScanPreprocessor.defaultInput)
        var rng = SplitMix64(seed: 5)
        for sigma in [0.03, 0.1] {
            var body = Volume(like: impulse)
            for i in body.voxels.indices { body.voxels[i] = Float(1 + sigma * rng.nextNormal()) }
            let expected = sigma * gain
            let measured = try preprocessor.prepare(body, path: "noise").edgeNoise
            #expect(abs(measured - expected) <= 0.02 * expected, "σ \(sigma): edge noise \(measured), closed form \(expected)")
            var becquerel = body
            for i in becquerel.voxels.indices { becquerel.voxels[i] *= 1000 }
            let scaled = try preprocessor.prepare(becquerel, path: "Bq/mL").edgeNoise
            #expect(abs(scaled - measured) <= 1e-5 * measured, "\(scaled) vs \(measured)")
        }
    }

    /// `resampling`: "nearest" feeds the network copies of native voxels
    /// (the scan's own noise), "trilinear" averages neighbours; on a grid
    /// that needs no resampling the two agree exactly; an unknown method is
    /// refused.
    @Test func resamplingMethod() throws {
        let scan = SyntheticScans.scan(seed: 6, label: .earl2)  // 4 mm: no resampling needed at 4 mm
        var spec = InputSpecification(voxelSizeMM: 4, edgeFWHMMM: 6, normalisation: "body-median", features: ["intensity"], activeStride: 1)
        let plain = try ScanPreprocessor(input: spec).prepare(scan, path: "t")
        spec.resampling = "nearest"
        let near = try ScanPreprocessor(input: spec).prepare(scan, path: "n")
        #expect(near.tensor.features == plain.tensor.features)
        // At 5 mm every nearest-resampled feature is a native voxel scaled
        // (as the preprocessor scales it); trilinear ones mostly are not.
        func nativeShare(_ p: PreparedScan) -> Double {
            let scale = Float(1 / p.bodyMedian), clamp = ScanPreprocessor.featureClamp
            let values = Set(scan.voxels.map { min(max($0 * scale, -clamp), clamp) })
            return Double(p.tensor.features.filter { values.contains($0) }.count) / Double(p.tensor.features.count)
        }
        spec.voxelSizeMM = 5
        #expect(nativeShare(try ScanPreprocessor(input: spec).prepare(scan, path: "n5")) == 1)
        spec.resampling = "trilinear"
        #expect(nativeShare(try ScanPreprocessor(input: spec).prepare(scan, path: "t5")) < 0.5)
        spec.resampling = "cubic"
        #expect(throws: InputError.self) { try ScanPreprocessor(input: spec) }
    }

    /// `resampling: "band-limited"` gives the network the same edge noise
    /// whether the native grid is 4 mm (no resampling) or 4.07 mm (sample
    /// points drifting through every phase): the edge feature's robust
    /// spread (1.4826 × MAD, in units of the body median) of one anatomy and
    /// reconstruction on the two grids differs by less than 10 % (measured
    /// 1.5 %), while trilinear resampling about halves it on the 4.07 mm grid
    /// (measured 0.48 of the 4 mm spread; asserted below 0.8): these scans'
    /// noise is white, the worst case for interpolation.
    @Test func bandLimitedResamplingKeepsTheEdgeNoise() throws {
        var spec = InputSpecification(voxelSizeMM: 4, edgeFWHMMM: 6, normalisation: "body-median", features: ["edge"], activeStride: 1)
        let onGrid = SyntheticScans.scan(seed: 8, label: .earl2, spacingMM: 4)
        let drifting = SyntheticScans.scan(seed: 8, label: .earl2, spacingMM: 4.07)
        func spread(_ scan: Volume) throws -> Double {
            let features = try ScanPreprocessor(input: spec).prepare(scan, path: "s").tensor.features
            let centre = Statistics.median(features)
            return 1.4826 * Statistics.median(features.map { abs($0 - Float(centre)) })
        }
        spec.resampling = "band-limited"
        let bandRatio = try spread(drifting) / spread(onGrid)
        spec.resampling = "trilinear"
        let linearRatio = try spread(drifting) / spread(onGrid)
        #expect(abs(bandRatio - 1) < 0.1, "band-limited: 4.07 mm / 4 mm edge spread \(bandRatio)")
        #expect(linearRatio < 0.8, "trilinear: 4.07 mm / 4 mm edge spread \(linearRatio)")
    }

    /// The mask holds the body, lungs included: its volume is within 8 % of
    /// the noise-free body volume (the threshold sits in the blurred edge),
    /// and the centre of a lung is inside.
    @Test func bodyMaskCoversTheBody() throws {
        let phantom = AnthropomorphicPhantom.random(seed: 4)
        let z = phantom.bedPositionsZRangeMM(count: 1)
        let truth = phantom.render(spacingMM: SIMD3(repeating: 4), matrix: 100, zRangeMM: z, supersampling: 2)
        let trueML = truth.voxels.reduce(0.0) { $0 + ($1 > 0 ? 1 : 0) } * truth.voxelVolumeML
        let scan = SyntheticScans.scan(seed: 4, label: .earl2)
        let (mask, _) = BodyMask.compute(scan)
        let maskML = Double(mask.filter { $0 }.count) * scan.voxelVolumeML
        #expect(abs(maskML / trueML - 1) < 0.08, "mask \(maskML) mL, body \(trueML) mL")
        let lung = try #require(phantom.region(named: "lung"))
        guard case .ellipsoid(let c, _) = lung.shape else { Issue.record("lung is not an ellipsoid"); return }
        let i = (c - scan.worldMM(.zero)) / scan.spacingMM
        let (x, y, zi) = (Int(i.x.rounded()), Int(i.y.rounded()), Int(i.z.rounded()))
        try #require(x >= 0 && y >= 0 && zi >= 0 && x < scan.nx && y < scan.ny && zi < scan.nz, "lung centre outside the field of view")
        #expect(mask[scan.index(x, y, zi)])
    }

    /// The mask keeps the largest 6-connected component and fills holes
    /// slice by slice; expected masks drawn here from the boxes' geometry.
    /// Boxes of uptake 10 in air (threshold 2.5): a 4³ box beats a 3³ box;
    /// between two 3³ boxes the one the raster scan meets first wins; boxes
    /// touching only along an edge are separate components; a hollow 5³
    /// box comes back solid (each slice's ring closes around its hole).
    @Test func bodyMaskKeepsTheLargestComponentAndFillsHoles() {
        let (nx, ny, nz) = (16, 14, 12)
        typealias Box = (lo: SIMD3<Int>, size: SIMD3<Int>)
        func inside(_ b: Box, _ x: Int, _ y: Int, _ z: Int) -> Bool {
            x >= b.lo.x && y >= b.lo.y && z >= b.lo.z && x < b.lo.x + b.size.x && y < b.lo.y + b.size.y && z < b.lo.z + b.size.z
        }
        func volume(_ boxes: [Box], hollow: Box? = nil) -> Volume {
            var v = [Float](repeating: 0, count: nx * ny * nz)
            for z in 0..<nz { for y in 0..<ny { for x in 0..<nx where boxes.contains(where: { inside($0, x, y, z) }) {
                if let h = hollow, inside(h, x, y, z) { continue }
                v[x + nx * (y + ny * z)] = 10
            } } }
            return Volume(nx: nx, ny: ny, nz: nz, spacingMM: SIMD3(repeating: 4), voxels: v)
        }
        func expected(_ box: Box) -> [Bool] {
            (0..<(nx * ny * nz)).map { i in inside(box, i % nx, (i / nx) % ny, i / (nx * ny)) }
        }
        /// Voxels where the mask of `boxes` differs from `box`.
        func wrong(_ boxes: [Box], hollow: Box? = nil, keeps box: Box) -> Int {
            zip(BodyMask.compute(volume(boxes, hollow: hollow)).mask, expected(box)).filter { $0 != $1 }.count
        }
        let small: Box = (SIMD3(1, 1, 1), SIMD3(3, 3, 3)), large: Box = (SIMD3(8, 6, 5), SIMD3(4, 4, 4))
        #expect(wrong([small, large], keeps: large) == 0)
        // A tie: the raster scan (x fastest, z slowest) meets `early` first.
        let early: Box = (SIMD3(10, 9, 2), SIMD3(3, 3, 3)), late: Box = (SIMD3(1, 1, 7), SIMD3(3, 3, 3))
        #expect(wrong([late, early], keeps: early) == 0)
        // Sharing only the edge x = 4…5, y = 4…5 (no face): two components, the larger kept.
        let edgeA: Box = (SIMD3(2, 2, 2), SIMD3(3, 3, 4)), edgeB: Box = (SIMD3(5, 5, 2), SIMD3(4, 4, 4))
        #expect(wrong([edgeA, edgeB], keeps: edgeB) == 0)
        let shell: Box = (SIMD3(4, 4, 3), SIMD3(5, 5, 5)), hole: Box = (SIMD3(5, 5, 4), SIMD3(3, 3, 3))
        #expect(wrong([shell], hollow: hole, keeps: shell) == 0)
    }

    /// `BodyMask.largestComponent` (runs joined by union–find) against a
    /// plain voxel flood written here: random masks around 6-connected
    /// site percolation (p ≈ 0.31, where components are largest and most
    /// tangled), sparser and denser ones, and grids one voxel thin along
    /// each axis. Ties go to the component met first in memory order, as
    /// the flood's raster scan meets it.
    @Test func largestComponentMatchesAVoxelFlood() {
        func flood(_ mask: [Bool], _ nx: Int, _ ny: Int, _ nz: Int) -> [Bool] {
            var label = [Int](repeating: -1, count: mask.count)
            var sizes: [Int] = []
            for start in mask.indices where mask[start] && label[start] < 0 {
                let id = sizes.count
                var stack = [start], size = 0
                label[start] = id
                while let i = stack.popLast() {
                    size += 1
                    let (x, y, z) = (i % nx, (i / nx) % ny, i / (nx * ny))
                    let neighbours = [(x > 0, i - 1), (x + 1 < nx, i + 1), (y > 0, i - nx), (y + 1 < ny, i + nx), (z > 0, i - nx * ny), (z + 1 < nz, i + nx * ny)]
                    for (ok, j) in neighbours where ok && mask[j] && label[j] < 0 {
                        label[j] = id
                        stack.append(j)
                    }
                }
                sizes.append(size)
            }
            guard let largest = sizes.max(), let winner = sizes.firstIndex(of: largest) else { return mask }
            return label.map { $0 == winner }
        }
        var rng = SplitMix64(seed: 23)
        var cases = 0
        for (nx, ny, nz) in [(17, 13, 11), (1, 20, 20), (20, 1, 20), (20, 20, 1), (40, 30, 20), (2, 2, 2)] {
            for p in [0.0, 0.1, 0.25, 0.31, 0.4, 0.6, 1.0] {
                let mask = (0..<(nx * ny * nz)).map { _ in rng.nextUniform() < p }
                let got = BodyMask.largestComponent(mask, nx: nx, ny: ny, nz: nz)
                #expect(got == flood(mask, nx, ny, nz), "\(nx)×\(ny)×\(nz) at p = \(p)")
                cases += 1
            }
        }
        // Two equal components: the one starting first in memory order wins, wherever the other lies.
        var tie = [Bool](repeating: false, count: 6 * 5 * 4)
        for i in [5 + 6 * (4 + 5 * 0), 5 + 6 * (4 + 5 * 1)] { tie[i] = true }  // x 5, y 4, z 0…1
        for i in [0 + 6 * (0 + 5 * 3), 1 + 6 * (0 + 5 * 3)] { tie[i] = true }  // x 0…1, y 0, z 3
        #expect(BodyMask.largestComponent(tie, nx: 6, ny: 5, nz: 4) == flood(tie, 6, 5, 4))
        #expect(BodyMask.largestComponent(tie, nx: 6, ny: 5, nz: 4).enumerated().filter(\.element).map(\.offset) == [29, 59])
        #expect(cases == 42)
    }

    /// A 2 mm and a 4 mm rendering of one patient give nearly the same body
    /// (within 5 %) and body median (within 5 %) after resampling to 4 mm.
    @Test func voxelSizeIsNormalised() throws {
        let pre = try ScanPreprocessor(input: input)
        let fine = try pre.prepare(SyntheticScans.scan(seed: 8, label: .earl1, spacingMM: 2), path: "2mm")
        let coarse = try pre.prepare(SyntheticScans.scan(seed: 8, label: .earl1, spacingMM: 4), path: "4mm")
        #expect(fine.spacingMM == coarse.spacingMM)
        #expect(abs(Double(fine.bodyVoxels) / Double(coarse.bodyVoxels) - 1) < 0.05, "\(fine.bodyVoxels) vs \(coarse.bodyVoxels)")
        #expect(abs(fine.bodyMedian / coarse.bodyMedian - 1) < 0.05)
    }

    /// An empty image is refused with a one-line error naming the file.
    @Test func emptyScanIsRefused() throws {
        let empty = Volume(nx: 20, ny: 20, nz: 10, spacingMM: SIMD3(4, 4, 4), voxels: [Float](repeating: 0, count: 4000))
        #expect(throws: InputError.self) { try ScanPreprocessor(input: input).prepare(empty, path: "air.nii") }
    }

    /// A scan must span a slab (here, without slabs, eight 4 mm network
    /// voxels: 32 mm) along every axis: 8 slices of a 4 mm scan are read,
    /// 7 are refused in one line (a single slice got a label before).
    @Test func tooSmallAFieldOfViewIsRefused() throws {
        let scan = SyntheticScans.scan(seed: 8, label: .earl1, spacingMM: 4)
        func slices(_ n: Int) -> Volume {
            Volume(nx: scan.nx, ny: scan.ny, nz: n, spacingMM: scan.spacingMM, voxels: Array(scan.voxels[(scan.nz / 2) * scan.nx * scan.ny..<(scan.nz / 2 + n) * scan.nx * scan.ny]))
        }
        let pre = try ScanPreprocessor(input: input)
        #expect(try pre.prepare(slices(8), path: "8.nii").bodyVoxels > 0)
        do {
            _ = try pre.prepare(slices(7), path: "7.nii")
            Issue.record("a 28 mm scan was read")
        } catch let error as InputError {
            #expect(error.description == String(format: "7.nii: a %.0f×%.0f×28 mm field of view; the classifier reads at least 32 mm along each axis", Double(scan.nx) * 4, Double(scan.ny) * 4))
        }
    }
}
