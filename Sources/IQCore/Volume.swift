/// A 3D image: Float32 voxels on a regular grid with its spacing and its
/// place in scanner space.
///
/// Voxel index order is x fastest: `index = x + nx * (y + ny * z)`, the
/// NIfTI (i, j, k) order. Spacing and positions are in millimetres.
public struct Volume: Sendable {
    public let nx: Int
    public let ny: Int
    public let nz: Int
    /// Voxel size along i, j, k in mm.
    public var spacingMM: SIMD3<Double>
    public var voxels: [Float]
    public var geometry: VolumeGeometry
    /// The unit of the voxel values when known ("Bq/mL", "SUV", "HU"); iqkit
    /// stores it in the NIfTI intent_name field.
    public var unit: String?
    /// Free text carried in NIfTI `descrip`.
    public var descrip: String

    /// Creates a volume; `voxels.count` must equal `nx * ny * nz`.
    public init(
        nx: Int, ny: Int, nz: Int, spacingMM: SIMD3<Double>, voxels: [Float],
        geometry: VolumeGeometry? = nil, unit: String? = nil, descrip: String = ""
    ) {
        precondition(nx > 0 && ny > 0 && nz > 0 && voxels.count == nx * ny * nz, "voxel count does not match dimensions")
        self.nx = nx
        self.ny = ny
        self.nz = nz
        self.spacingMM = spacingMM
        self.voxels = voxels
        self.geometry = geometry ?? .axisAligned(spacingMM: spacingMM)
        self.unit = unit
        self.descrip = descrip
    }

    /// A volume of the same grid and geometry filled with `value`.
    public init(like other: Volume, value: Float = 0) {
        self.init(
            nx: other.nx, ny: other.ny, nz: other.nz, spacingMM: other.spacingMM,
            voxels: [Float](repeating: value, count: other.count), geometry: other.geometry,
            unit: other.unit, descrip: other.descrip)
    }

    /// A volume of the same grid and geometry with new voxel values.
    public func with(voxels newVoxels: [Float], unit newUnit: String?? = nil) -> Volume {
        var copy = self
        precondition(newVoxels.count == count)
        copy.voxels = newVoxels
        if let newUnit { copy.unit = newUnit }
        return copy
    }

    public var count: Int { nx * ny * nz }
    public var dimensions: SIMD3<Int> { SIMD3(nx, ny, nz) }
    /// The volume of one voxel in mL (1 mL = 1000 mm³).
    public var voxelVolumeML: Double { spacingMM.x * spacingMM.y * spacingMM.z / 1000 }

    @inline(__always)
    public func index(_ x: Int, _ y: Int, _ z: Int) -> Int { x + nx * (y + ny * z) }

    @inline(__always)
    public subscript(x: Int, y: Int, z: Int) -> Float {
        get { voxels[x + nx * (y + ny * z)] }
        set { voxels[x + nx * (y + ny * z)] = newValue }
    }

    /// The number of NaN or infinite voxels, counted on all cores (every
    /// read counts them: a pass over a whole-body scan's voxels).
    public var nonFiniteCount: Int {
        voxels.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return 0 }
            let all = SharedBuffer(UnsafeMutablePointer(mutating: base), count: p.count)
            let chunk = 1 << 22
            return parallelMap((p.count + chunk - 1) / chunk) { c in
                var n = 0
                for i in (c * chunk)..<min(all.count, (c + 1) * chunk) where !all[i].isFinite { n += 1 }
                return n
            }.reduce(0, +)
        }
    }

    /// Smallest and largest finite voxel value, or nil when none is finite.
    public var finiteRange: ClosedRange<Float>? {
        var lo = Float.infinity
        var hi = -Float.infinity
        for v in voxels where v.isFinite {
            lo = min(lo, v)
            hi = max(hi, v)
        }
        return lo <= hi ? lo...hi : nil
    }

    /// Replaces NaN and infinite voxels by `value`.
    /// - Returns: how many voxels were replaced.
    @discardableResult
    public mutating func replaceNonFinite(with value: Float = 0) -> Int {
        // Look before writing: a volume without NaN/Inf (the usual case) is
        // then not copied when its storage is shared (a 2 mm whole-body scan
        // is ~240 MB).
        guard let first = voxels.firstIndex(where: { !$0.isFinite }) else { return 0 }
        var replaced = 0
        for i in first..<voxels.count where !voxels[i].isFinite {
            voxels[i] = value
            replaced += 1
        }
        return replaced
    }

    /// The world position in mm of a voxel index (fractional indices allowed).
    public func worldMM(_ index: SIMD3<Double>) -> SIMD3<Double> {
        let a = geometry.affine(spacingMM: spacingMM)
        return SIMD3(
            a[0][0] * index.x + a[0][1] * index.y + a[0][2] * index.z + a[0][3],
            a[1][0] * index.x + a[1][1] * index.y + a[1][2] * index.z + a[1][3],
            a[2][0] * index.x + a[2][1] * index.y + a[2][2] * index.z + a[2][3])
    }
}
