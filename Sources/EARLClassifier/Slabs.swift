import Foundation
import SparseCNN

/// Where `SparseTensor.zSlabs` cuts a tensor, without building the slabs:
/// a few numbers per scan, so training works it out once and builds only
/// the slabs it draws each epoch.
public struct ZSlabLayout: Sendable {
    fileprivate let thickness: Int32
    /// Each kept slab's lowest z, site count and, when the tensor's sites
    /// are ordered by z (a scan's always are), its first row: its sites are
    /// then the rows `firstRow..<firstRow + sites`. Empty when the tensor
    /// is one slab (kept whole).
    fileprivate let slabs: [(base: Int32, sites: Int, firstRow: Int?)]
    /// How many slabs `zSlabs` returns.
    public var count: Int { max(1, slabs.count) }
}

extension SparseTensor {
    /// The tensor cut into transverse slabs of `thickness` slices along z,
    /// counted from the lowest active slice; each slab's z is re-based to 0.
    /// Slabs holding fewer than `minimumFraction` of the fullest slab's sites
    /// (the tapering ends of a body) are left out; the fullest always stays.
    public func zSlabs(thickness: Int, minimumFraction: Double = 0.3) -> [SparseTensor] {
        let layout = zSlabLayout(thickness: thickness, minimumFraction: minimumFraction)
        return (0..<layout.count).map { zSlab($0, of: layout) }
    }

    /// The cuts `zSlabs(thickness:minimumFraction:)` makes.
    public func zSlabLayout(thickness: Int, minimumFraction: Double = 0.3) -> ZSlabLayout {
        let coordinates = sites.coordinates
        let whole = ZSlabLayout(thickness: Int32(clamping: max(1, thickness)), slabs: [])
        // One pass, no key paths: `map(\.z)` on SIMD3 goes through the key-path
        // runtime per element (≈ 0.2 s on a whole-body scan's 0.7 M sites).
        guard thickness >= 1, var zMin = coordinates.first?.z else { return whole }
        var zMax = zMin
        var zSorted = true
        var previous = zMin
        for c in coordinates {
            zMin = min(zMin, c.z)
            zMax = max(zMax, c.z)
            zSorted = zSorted && c.z >= previous
            previous = c.z
        }
        let slabCount = Int(zMax - zMin) / thickness + 1
        if slabCount == 1 { return whole }
        var sites = [Int](repeating: 0, count: slabCount)
        for c in coordinates { sites[Int(c.z - zMin) / thickness] += 1 }
        let fullest = sites.max() ?? 0
        var firstRow = 0
        var kept: [(base: Int32, sites: Int, firstRow: Int?)] = []
        for (k, n) in sites.enumerated() {
            if n > 0 && Double(n) >= minimumFraction * Double(fullest) { kept.append((zMin + Int32(k * thickness), n, zSorted ? firstRow : nil)) }
            firstRow += n
        }
        return ZSlabLayout(thickness: whole.thickness, slabs: kept)
    }

    /// Slab `index` of `layout` (made by this tensor's `zSlabLayout`): its
    /// sites in row order, z re-based to 0; the tensor itself when it is one
    /// slab. A copy of one run of rows when the sites are ordered by z, else
    /// a pass over every site.
    public func zSlab(_ index: Int, of layout: ZSlabLayout) -> SparseTensor {
        if layout.slabs.isEmpty { return self }
        let (base, count, firstRow) = layout.slabs[index]
        let coordinates = sites.coordinates
        var slabCoordinates: [SIMD3<Int32>] = []
        slabCoordinates.reserveCapacity(count)
        if let firstRow {
            // Sites ordered by z: the slab is one run of rows, copied as such.
            for var c in coordinates[firstRow..<(firstRow + count)] {
                c.z -= base
                slabCoordinates.append(c)
            }
            let slabFeatures = Array(features[(firstRow * channels)..<((firstRow + count) * channels)])
            return SparseTensor(sites: ActiveSet(coordinates: slabCoordinates), channels: channels, features: slabFeatures)
        }
        let top = base + layout.thickness
        var slabFeatures: [Float] = []
        slabFeatures.reserveCapacity(count * channels)
        for (i, var c) in coordinates.enumerated() where c.z >= base && c.z < top {
            c.z -= base
            slabCoordinates.append(c)
            slabFeatures.append(contentsOf: features[(i * channels)..<((i + 1) * channels)])
        }
        return SparseTensor(sites: ActiveSet(coordinates: slabCoordinates), channels: channels, features: slabFeatures)
    }
}

extension SparseTensor {
    /// The tensor mirrored left-right (x → xMax − x + xMin), same features:
    /// an augmentation, since left and right are alike for the question asked.
    public func mirroredX() -> SparseTensor {
        let coordinates = sites.coordinates
        guard let lo = coordinates.lazy.map({ $0.x }).min(), let hi = coordinates.lazy.map({ $0.x }).max() else { return self }
        let flipped = coordinates.map { SIMD3(hi + lo - $0.x, $0.y, $0.z) }
        return SparseTensor(sites: ActiveSet(coordinates: flipped), channels: channels, features: features)
    }
}

extension Network {
    /// Class probabilities of a scan seen as slabs: the geometric mean of the
    /// slabs' probabilities, renormalised (mean log-probability, then softmax).
    public func predict(slabs: [SparseTensor]) -> [Double] { outputs(slabs: slabs).probabilities }

    /// As `predict(slabs:)`, with the regression outputs' estimates
    /// (`Network.outputs`) averaged over the slabs.
    public func outputs(slabs: [SparseTensor]) -> (probabilities: [Double], estimates: [Double]) {
        guard slabs.count > 1 else { return outputs(slabs[0]) }
        var meanLog = [Double](repeating: 0, count: architecture.classes.count)
        var estimates = [Double](repeating: 0, count: architecture.regression?.count ?? 0)
        for slab in slabs {
            let (p, e) = outputs(slab)
            for k in meanLog.indices { meanLog[k] += log(max(p[k], 1e-12)) / Double(slabs.count) }
            for k in estimates.indices { estimates[k] += e[k] / Double(slabs.count) }
        }
        let top = meanLog.max() ?? 0
        let e = meanLog.map { exp($0 - top) }
        let sum = e.reduce(0, +)
        return (e.map { $0 / sum }, estimates)
    }
}
