import Foundation
import SparseCNN

extension SparseTensor {
    /// The tensor cut into transverse slabs of `thickness` slices along z,
    /// counted from the lowest active slice; each slab's z is re-based to 0.
    /// Slabs holding fewer than `minimumFraction` of the fullest slab's sites
    /// (the tapering ends of a body) are left out; the fullest always stays.
    public func zSlabs(thickness: Int, minimumFraction: Double = 0.3) -> [SparseTensor] {
        let coordinates = sites.coordinates
        // One pass, no key paths: `map(\.z)` on SIMD3 goes through the key-path
        // runtime per element (≈ 0.2 s on a whole-body scan's 0.7 M sites).
        guard thickness >= 1, var zMin = coordinates.first?.z else { return [self] }
        var zMax = zMin
        for c in coordinates {
            zMin = min(zMin, c.z)
            zMax = max(zMax, c.z)
        }
        let slabCount = Int(zMax - zMin) / thickness + 1
        if slabCount == 1 { return [self] }
        var rows = [[Int]](repeating: [], count: slabCount)
        for (i, c) in coordinates.enumerated() { rows[Int(c.z - zMin) / thickness].append(i) }
        let fullest = rows.map(\.count).max() ?? 0
        let keep = rows.filter { !$0.isEmpty && Double($0.count) >= minimumFraction * Double(fullest) }
        return keep.map { members in
            let base = coordinates[members[0]].z - (coordinates[members[0]].z - zMin) % Int32(thickness)
            var slabCoordinates: [SIMD3<Int32>] = []
            slabCoordinates.reserveCapacity(members.count)
            var slabFeatures: [Float] = []
            slabFeatures.reserveCapacity(members.count * channels)
            for i in members {
                var c = coordinates[i]
                c.z -= base
                slabCoordinates.append(c)
                slabFeatures.append(contentsOf: features[(i * channels)..<((i + 1) * channels)])
            }
            return SparseTensor(sites: ActiveSet(coordinates: slabCoordinates), channels: channels, features: slabFeatures)
        }
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
    public func predict(slabs: [SparseTensor]) -> [Double] {
        guard slabs.count > 1 else { return predict(slabs[0]) }
        var meanLog = [Double](repeating: 0, count: architecture.classes.count)
        for slab in slabs {
            let p = predict(slab)
            for k in meanLog.indices { meanLog[k] += log(max(p[k], 1e-12)) / Double(slabs.count) }
        }
        let top = meanLog.max() ?? 0
        let e = meanLog.map { exp($0 - top) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }
}
