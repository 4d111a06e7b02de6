import Foundation

/// The sites of a sparse tensor: integer coordinates of the active voxels at
/// one resolution level, with a map from coordinate to row.
///
/// Coordinates are voxel indices (i, j, k) on the level's grid; a 2× strided
/// layer maps coordinate c to `c >> 1` (floor division). The class caches the
/// rulebooks of the layers that run on it, so a stack of convolutions on the
/// same sites builds its neighbour lists once (hence a class: identity).
/// The caches are filled under a lock, so networks may run on the same
/// sites from several threads at once (the two EARL stages do); a rulebook
/// asked for by two threads is built once, the second waits for it.
public final class ActiveSet: @unchecked Sendable {
    public let coordinates: [SIMD3<Int32>]
    let map: CoordinateMap
    private let lock = NSLock()
    private var submanifoldRulebooks: [Int: Rulebook] = [:]
    private var downsampled: (sites: ActiveSet, rulebook: Rulebook)?

    /// - Parameter coordinates: distinct voxel indices (duplicates are a programming error).
    public init(coordinates: [SIMD3<Int32>]) {
        self.coordinates = coordinates
        self.map = CoordinateMap(coordinates)
    }

    public var count: Int { coordinates.count }

    /// Whether the coordinates strictly increase in raster order (z, then y,
    /// then x), as a scan's voxels are enumerated.
    var isInRasterOrder: Bool {
        zip(coordinates, coordinates.dropFirst()).allSatisfy { a, b in
            (a.z, a.y, a.x) < (b.z, b.y, b.x)
        }
    }

    /// The row of a coordinate, or nil when the voxel is inactive.
    public func row(of c: SIMD3<Int32>) -> Int? { map.lookup(c).map(Int.init) }

    /// Neighbour pairs of a submanifold convolution with an odd cubic kernel.
    func submanifoldRulebook(kernelSize: Int) -> Rulebook {
        lock.lock()
        defer { lock.unlock() }
        if let cached = submanifoldRulebooks[kernelSize] { return cached }
        let book = Rulebook.submanifold(self, kernelSize: kernelSize)
        submanifoldRulebooks[kernelSize] = book
        return book
    }

    /// The pairs a submanifold convolution with this kernel size runs on,
    /// per kernel offset (index `(dx+r) + K·((dy+r) + K·(dz+r))`): output row
    /// `outputRows[p]` reads input row `inputRows[p]`, in increasing output
    /// rows. For tests and diagnostics; the layers use them internally.
    public func neighbourPairs(kernelSize: Int) -> [(inputRows: [Int32], outputRows: [Int32])] {
        let book = submanifoldRulebook(kernelSize: kernelSize)
        return Array(zip(book.inputRows, book.outputRows))
    }

    /// Drops the cached rulebooks and the coarser levels (built again when
    /// asked for). For inputs used once, such as a training epoch's fresh
    /// crops, whose caches would otherwise live as long as the epoch.
    public func releaseCaches() {
        lock.lock()
        defer { lock.unlock() }
        submanifoldRulebooks = [:]
        downsampled = nil
    }

    /// The sites one level down (each 2×2×2 block with an active voxel) and the
    /// pairs of the 2×2×2 stride-2 convolution onto them.
    func downsampling() -> (sites: ActiveSet, rulebook: Rulebook) {
        lock.lock()
        defer { lock.unlock() }
        if let cached = downsampled { return cached }
        let result = Rulebook.downsampling(self)
        downsampled = result
        return result
    }
}

/// Features on active sites: `features[row * channels + channel]`.
public struct SparseTensor {
    public let sites: ActiveSet
    public var channels: Int
    public var features: [Float]

    public init(sites: ActiveSet, channels: Int, features: [Float]) {
        precondition(features.count == sites.count * channels, "features must hold count × channels values")
        self.sites = sites
        self.channels = channels
        self.features = features
    }

    public var count: Int { sites.count }
}

/// Coordinate → row lookup: a dense Int32 grid over the bounding box when it
/// is small enough (the usual case for a body in a PET field of view), a
/// hash table otherwise.
struct CoordinateMap {
    private let lo: SIMD3<Int32>
    private let dims: SIMD3<Int32>
    private let grid: [Int32]
    private let table: [SIMD3<Int32>: Int32]

    /// Bounding boxes up to this many cells use the dense grid (256 MB of Int32).
    static let denseLimit = 1 << 26

    init(_ coordinates: [SIMD3<Int32>]) {
        guard let first = coordinates.first else {
            lo = .zero
            dims = .zero
            grid = []
            table = [:]
            return
        }
        var lo = first
        var hi = first
        for c in coordinates {
            lo = pointwiseMin(lo, c)
            hi = pointwiseMax(hi, c)
        }
        let d = hi &- lo &+ 1
        let cells = Int(d.x) * Int(d.y) * Int(d.z)
        self.lo = lo
        if cells <= Self.denseLimit {
            dims = d
            var g = [Int32](repeating: -1, count: cells)
            for (i, c) in coordinates.enumerated() {
                let r = c &- lo
                g[Int(r.x) + Int(d.x) * (Int(r.y) + Int(d.y) * Int(r.z))] = Int32(i)
            }
            grid = g
            table = [:]
        } else {
            dims = .zero
            grid = []
            var t = [SIMD3<Int32>: Int32](minimumCapacity: coordinates.count)
            for (i, c) in coordinates.enumerated() { t[c] = Int32(i) }
            table = t
        }
    }

    @inline(__always)
    func lookup(_ c: SIMD3<Int32>) -> Int32? {
        if grid.isEmpty { return table[c] }
        let r = c &- lo
        if r.x < 0 || r.y < 0 || r.z < 0 || r.x >= dims.x || r.y >= dims.y || r.z >= dims.z { return nil }
        let v = grid[Int(r.x) + Int(dims.x) * (Int(r.y) + Int(dims.y) * Int(r.z))]
        return v >= 0 ? v : nil
    }
}
