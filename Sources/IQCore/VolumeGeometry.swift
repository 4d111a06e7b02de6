/// Where a volume's voxels sit in scanner space: the NIfTI qform and sform,
/// already converted to millimetres, carried from input to output so that
/// every image iqkit writes overlays the image it came from.
public struct VolumeGeometry: Sendable, Equatable, Codable {
    /// NIfTI qform_code (0 = none, 1 = scanner, …).
    public var qformCode: Int32
    /// quatern_b, quatern_c, quatern_d.
    public var quatern: [Double]
    /// qoffset_x, qoffset_y, qoffset_z in mm.
    public var qoffsetMM: [Double]
    /// qfac (pixdim[0]): -1 for a left-handed voxel grid, +1 otherwise.
    public var qfac: Double
    /// NIfTI sform_code (0 = none).
    public var sformCode: Int32
    /// srow_x, srow_y, srow_z in mm: voxel index (i, j, k, 1) to (x, y, z).
    public var srowMM: [[Double]]

    public init(qformCode: Int32, quatern: [Double], qoffsetMM: [Double], qfac: Double, sformCode: Int32, srowMM: [[Double]]) {
        self.qformCode = qformCode
        self.quatern = quatern
        self.qoffsetMM = qoffsetMM
        self.qfac = qfac
        self.sformCode = sformCode
        self.srowMM = srowMM
    }

    /// A geometry with no orientation: voxel (0,0,0) at the origin, axes along
    /// x, y, z with the given spacing (used for simulated images).
    public static func axisAligned(spacingMM: SIMD3<Double>, originMM: SIMD3<Double> = .zero) -> VolumeGeometry {
        VolumeGeometry(
            qformCode: 1, quatern: [0, 0, 0], qoffsetMM: [originMM.x, originMM.y, originMM.z], qfac: 1,
            sformCode: 1,
            srowMM: [
                [spacingMM.x, 0, 0, originMM.x],
                [0, spacingMM.y, 0, originMM.y],
                [0, 0, spacingMM.z, originMM.z],
            ])
    }

    /// The 4×4 voxel-to-world affine in mm that a reader should use: the
    /// sform when present, else the qform, else spacing only (NIfTI method 1).
    public func affine(spacingMM: SIMD3<Double>) -> [[Double]] {
        if sformCode > 0 { return srowMM + [[0, 0, 0, 1]] }
        if qformCode > 0 {
            let b = quatern[0], c = quatern[1], d = quatern[2]
            let a = max(0, 1.0 - (b * b + c * c + d * d)).squareRoot()
            // Rotation from the quaternion (NIfTI-1 standard, method 2).
            let r: [[Double]] = [
                [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
                [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
                [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
            ]
            let q = qfac < 0 ? -1.0 : 1.0
            let s = [spacingMM.x, spacingMM.y, spacingMM.z * q]
            return (0..<3).map { i in [r[i][0] * s[0], r[i][1] * s[1], r[i][2] * s[2], qoffsetMM[i]] } + [[0, 0, 0, 1]]
        }
        return [[spacingMM.x, 0, 0, 0], [0, spacingMM.y, 0, 0], [0, 0, spacingMM.z, 0], [0, 0, 0, 1]]
    }
}
