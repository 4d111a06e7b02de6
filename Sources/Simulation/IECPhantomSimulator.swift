import Foundation
import IQCore
import PETQuality

/// The IEC body phantom as a digital activity map: hot spheres with cold
/// glass walls, warm background, cold lung insert, with partial-volume
/// supersampling at any voxel size and an arbitrary pose.
public struct IECPhantomSimulator: Sendable {
    public var geometry: IECPhantomGeometry
    /// Activity concentrations in Bq/mL.
    public var sphereActivity: Double
    public var backgroundActivity: Double
    /// Sub-samples per axis in voxels that straddle a boundary.
    public var supersampling: Int

    public init(geometry: IECPhantomGeometry, sphereActivity: Double = 20000, backgroundActivity: Double = 2000, supersampling: Int = 5) {
        self.geometry = geometry
        self.sphereActivity = sphereActivity
        self.backgroundActivity = backgroundActivity
        self.supersampling = supersampling
    }

    /// The activity (Bq/mL) at a point of the phantom frame (mm).
    public func activity(atPhantom p: SIMD3<Double>) -> Double {
        let centres = geometry.sphereCentersMM
        let wall = geometry.sphereWallMM
        for (i, s) in geometry.spheres.enumerated() {
            let d = p - centres[i]
            let d2 = (d * d).sum()
            let r = s.radiusMM
            if d2 <= r * r { return sphereActivity }
            if d2 <= (r + wall) * (r + wall) { return 0 }
        }
        guard geometry.bodyContains(z: p.z), geometry.bodyContains(x: p.x, y: p.y) else { return 0 }
        let lung = geometry.lungInsert
        let lx = p.x - lung.centerMM[0], ly = p.y - lung.centerMM[1]
        if lx * lx + ly * ly <= lung.diameterMM * lung.diameterMM / 4 { return 0 }
        return backgroundActivity
    }

    /// Voxelizes the phantom on a grid; the grid's mm coordinates are
    /// `index × spacing`, and `pose` places the phantom frame in them.
    public func render(nx: Int, ny: Int, nz: Int, spacingMM: SIMD3<Double>, pose: PhantomPose) -> Volume {
        var voxels = [Float](repeating: 0, count: nx * ny * nz)
        let n = max(1, supersampling)
        let me = self
        voxels.withUnsafeMutableBufferPointer { buffer in
            let out = SharedBuffer(buffer.baseAddress!, count: buffer.count)
            parallelFor(nz) { z in
                for y in 0..<ny {
                    for x in 0..<nx {
                        let centre = SIMD3<Double>(Double(x), Double(y), Double(z)) * spacingMM
                        let value = me.activity(atPhantom: pose.toPhantom(centre))
                        // Voxels whose corners all agree with the centre are uniform.
                        var uniform = true
                        for corner in 0..<8 where uniform {
                            let o = SIMD3<Double>(Double(corner & 1), Double((corner >> 1) & 1), Double((corner >> 2) & 1)) - 0.5
                            if me.activity(atPhantom: pose.toPhantom(centre + o * spacingMM)) != value { uniform = false }
                        }
                        if uniform {
                            out[x + nx * (y + ny * z)] = Float(value)
                            continue
                        }
                        var sum = 0.0
                        for k in 0..<n {
                            for j in 0..<n {
                                for i in 0..<n {
                                    let o = (SIMD3<Double>(Double(i), Double(j), Double(k)) + 0.5) / Double(n) - 0.5
                                    sum += me.activity(atPhantom: pose.toPhantom(centre + o * spacingMM))
                                }
                            }
                        }
                        out[x + nx * (y + ny * z)] = Float(sum / Double(n * n * n))
                    }
                }
            }
        }
        return Volume(nx: nx, ny: ny, nz: nz, spacingMM: spacingMM, voxels: voxels, unit: "Bq/mL", descrip: "iqkit digital IEC body phantom")
    }

    /// A grid that holds the whole phantom body with a margin, centred on it.
    public static func grid(voxelMM: SIMD3<Double>, fieldOfViewMM: Double = 330, axialLengthMM: Double = 220) -> (nx: Int, ny: Int, nz: Int) {
        (Int((fieldOfViewMM / voxelMM.x).rounded()), Int((fieldOfViewMM / voxelMM.y).rounded()), Int((axialLengthMM / voxelMM.z).rounded()))
    }
}
