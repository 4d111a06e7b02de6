import Foundation
import IQCore

/// Vessel segmentation by graph cut over the uncertain band (after Zhai et
/// al., Med Phys 2019): voxels that are clearly vessel or clearly background
/// are fixed, the rest become graph nodes whose unary cost mixes CT
/// intensity and vesselness and whose 6-neighbour Potts weights fall with
/// the intensity difference.
public struct VesselSegmenter: Sendable, Codable, Equatable {
    /// Intensity at which a voxel is as likely vessel as background, in HU.
    /// The default is the midpoint of air (−1000) and the printed material
    /// (+100): a partial-volume-blurred edge crosses it at the true wall.
    public var thresholdHU: Double = -450
    /// Intensity scale of the unary term in HU; voxels beyond ±2 widths of
    /// the threshold (and without vesselness) are fixed, not graph nodes.
    public var widthHU: Double = 150
    /// Weight of vesselness (0…1) in the unary score, in widths: a voxel with
    /// vesselness 1 counts as if it were this many widths brighter.
    public var vesselnessWeight: Double = 2
    /// Vesselness below which a dark voxel is fixed background.
    public var vesselnessFloor: Double = 0.05
    /// Potts smoothness weight (per face neighbour) and its intensity scale in HU.
    public var smoothness: Double = 0.5
    public var smoothnessSigmaHU: Double = 200
    /// Components smaller than this are removed (mm³), the connected-tree cleanup.
    public var minComponentMM3: Double = 5
    /// Voxels within this distance of the largest bright structure (the
    /// PMMA holder) are outside the region of interest, in mm. 0 disables.
    public var holderMarginMM: Double = 3
    public var vesselness = Vesselness()

    public init() {}

    /// What a segmentation produced.
    public struct Output: Sendable {
        public var mask: [Bool]
        /// Nodes in the graph (the uncertain band).
        public var bandVoxels: Int
        public var removedComponents: Int
    }

    /// The region of interest: every voxel farther than `holderMarginMM`
    /// from the largest connected structure brighter than the threshold
    /// (the holder wall), and not that structure.
    public func regionOfInterest(_ volume: Volume) -> [Bool] {
        guard holderMarginMM > 0 else { return [Bool](repeating: true, count: volume.count) }
        let t = Float(thresholdHU)
        let bright = volume.voxels.map { $0 > t }
        let (labels, sizes) = ConnectedComponents.label(bright, nx: volume.nx, ny: volume.ny, nz: volume.nz, connectivity: .corners)
        guard let largest = sizes.indices.max(by: { sizes[$0] < sizes[$1] }) else {
            return [Bool](repeating: true, count: volume.count)
        }
        let holderLabel = Int32(largest + 1)
        let holder = labels.map { $0 == holderLabel }
        return MarginMask.fartherThan(holderMarginMM, from: holder, nx: volume.nx, ny: volume.ny, nz: volume.nz, spacingMM: volume.spacingMM)
    }

    /// Segments the vessels of a CT volume in HU.
    public func segment(_ volume: Volume) -> Output {
        let roi = regionOfInterest(volume)
        return segment(volume, vesselness: vesselnessForSegmentation(volume, roi: roi), roi: roi)
    }

    /// Raw intensity (HU) at or below which a voxel is fixed background
    /// whenever its vesselness is below `vesselnessFloor`: its score is then
    /// below −2 whatever the exact vesselness (1e-3 HU margin for rounding).
    public var floorIntensityHU: Double {
        thresholdHU - widthHU * (2 + vesselnessWeight * vesselnessFloor) - 1e-3
    }

    /// The vesselness `segment(_:vesselness:roi:)` needs: exact wherever it
    /// can change the segmentation; on voxels at or below `floorIntensityHU`
    /// a value under `vesselnessFloor` may come out lower (down to 0), which
    /// fixes them as background exactly as the exact value would.
    public func vesselnessForSegmentation(_ volume: Volume, roi: [Bool]) -> [Float] {
        vesselness.apply(volume, roi: roi, floor: vesselnessFloor, floorAtOrBelowHU: floorIntensityHU).value
    }

    /// Segments with a precomputed vesselness (0…1) and region of interest.
    /// NaN/Inf voxels count as 0 HU, as in the filters (`GaussianFilter`,
    /// `SymmetricSmoothing`): a NaN made a graph weight NaN, which the
    /// max-flow graph refuses with a trap.
    public func segment(_ volume: Volume, vesselness v: [Float], roi: [Bool]) -> Output {
        // Read where the band is built, so a finite volume costs no extra pass.
        @inline(__always) func hu(_ i: Int) -> Float {
            let x = volume.voxels[i]
            return x.isFinite ? x : 0
        }
        let n = volume.count
        let nx = volume.nx, ny = volume.ny, nz = volume.nz
        // Unary score in widths: > 0 favours vessel.
        @inline(__always) func score(_ i: Int) -> Double {
            (Double(hu(i)) - thresholdHU) / widthHU + vesselnessWeight * Double(v[i])
        }
        // 0 = background fixed, 1 = vessel fixed, 2 = band.
        var state = [UInt8](repeating: 0, count: n)
        var nodeOf = [Int32](repeating: -1, count: n)
        var band: [Int] = []
        for i in 0..<n where roi[i] {
            let s = score(i)
            if s > 2 {
                state[i] = 1
            } else if s < -2 && Double(v[i]) < vesselnessFloor {
                state[i] = 0
            } else {
                state[i] = 2
                nodeOf[i] = Int32(band.count)
                band.append(i)
            }
        }
        var graph = MaxFlowGraph(nodes: band.count, expectedEdges: 3 * band.count)
        let spacing = volume.spacingMM
        let minSpacing = min(spacing.x, spacing.y, spacing.z)
        let steps = [(1, 0, 0, spacing.x), (0, 1, 0, spacing.y), (0, 0, 1, spacing.z)]
        var sourceExtra = [Double](repeating: 0, count: band.count)
        var sinkExtra = [Double](repeating: 0, count: band.count)
        let twoSigma2 = 2 * smoothnessSigmaHU * smoothnessSigmaHU
        for (k, i) in band.enumerated() {
            let z = i / (nx * ny), y = (i / nx) % ny, x = i % nx
            for (dx, dy, dz, step) in steps {
                for sign in [1, -1] {
                    let xx = x + sign * dx, yy = y + sign * dy, zz = z + sign * dz
                    if xx < 0 || yy < 0 || zz < 0 || xx >= nx || yy >= ny || zz >= nz { continue }
                    let j = xx + nx * (yy + ny * zz)
                    let diff = Double(hu(i) - hu(j))
                    // Boykov–Jolly boundary weight, scaled by 1/distance (in units of the finest spacing).
                    let w = smoothness * exp(-diff * diff / twoSigma2) * minSpacing / step
                    if state[j] == 2 {
                        // Add each band pair once.
                        if sign == 1 { graph.addEdge(k, Int(nodeOf[j]), capacity: w, reverseCapacity: w) }
                    } else if state[j] == 1 && roi[j] {
                        sourceExtra[k] += w
                    } else {
                        sinkExtra[k] += w
                    }
                }
            }
        }
        for (k, i) in band.enumerated() {
            let s = score(i)
            // Source = vessel: cutting s→p (p labelled background) costs max(0, s).
            graph.addTerminalWeights(k, source: max(0, s) + sourceExtra[k], sink: max(0, -s) + sinkExtra[k])
        }
        graph.solve()
        var mask = [Bool](repeating: false, count: n)
        for i in 0..<n where roi[i] && state[i] == 1 { mask[i] = true }
        for (k, i) in band.enumerated() where graph.isSourceSide(k) { mask[i] = true }
        // Connected-tree cleanup.
        let (labels, sizes) = ConnectedComponents.label(mask, nx: nx, ny: ny, nz: nz, connectivity: .corners)
        let voxelMM3 = spacing.x * spacing.y * spacing.z
        var removed = 0
        let keep = sizes.map { Double($0) * voxelMM3 >= minComponentMM3 }
        removed = keep.filter { !$0 }.count
        for i in 0..<n where mask[i] && !keep[Int(labels[i]) - 1] { mask[i] = false }
        return Output(mask: mask, bandVoxels: band.count, removedComponents: removed)
    }
}
