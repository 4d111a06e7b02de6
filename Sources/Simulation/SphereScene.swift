import IQCore

/// A simple synthetic scene: hot spheres in a warm cylinder, sampled with
/// partial-volume supersampling. Used by the foundation demo and tests.
public struct SphereScene: Sendable {
    public struct Sphere: Sendable {
        public var centerMM: SIMD3<Double>
        public var radiusMM: Double
        public var value: Double
        public init(centerMM: SIMD3<Double>, radiusMM: Double, value: Double) {
            self.centerMM = centerMM
            self.radiusMM = radiusMM
            self.value = value
        }
    }

    /// Cylinder along z through the grid centre.
    public var cylinderRadiusMM: Double
    public var background: Double
    public var spheres: [Sphere]

    public init(cylinderRadiusMM: Double, background: Double, spheres: [Sphere]) {
        self.cylinderRadiusMM = cylinderRadiusMM
        self.background = background
        self.spheres = spheres
    }

    /// Renders on a grid whose centre is the scene's origin.
    /// - Parameter supersampling: sub-samples per axis for partial volume.
    public func render(nx: Int, ny: Int, nz: Int, spacingMM: SIMD3<Double>, supersampling: Int = 3, unit: String? = nil) -> Volume {
        let origin = -SIMD3<Double>(Double(nx - 1), Double(ny - 1), Double(nz - 1)) * spacingMM / 2
        var voxels = [Float](repeating: 0, count: nx * ny * nz)
        let s = supersampling
        let inv = 1.0 / Double(s * s * s)
        let cylinder = cylinderRadiusMM
        let bg = background
        let spheres = self.spheres
        voxels.withUnsafeMutableBufferPointer { buf in
            let out = SharedBuffer(buf.baseAddress!, count: buf.count)
            parallelFor(nz) { z in
                for y in 0..<ny {
                    for x in 0..<nx {
                        var sum = 0.0
                        for sz in 0..<s {
                            for sy in 0..<s {
                                for sx in 0..<s {
                                    let offset = (SIMD3<Double>(Double(sx), Double(sy), Double(sz)) + 0.5) / Double(s) - 0.5
                                    let p = origin + (SIMD3<Double>(Double(x), Double(y), Double(z)) + offset) * spacingMM
                                    var v = 0.0
                                    if p.x * p.x + p.y * p.y <= cylinder * cylinder { v = bg }
                                    for sphere in spheres {
                                        let d = p - sphere.centerMM
                                        if (d * d).sum() <= sphere.radiusMM * sphere.radiusMM { v = sphere.value }
                                    }
                                    sum += v
                                }
                            }
                        }
                        out[x + nx * (y + ny * z)] = Float(sum * inv)
                    }
                }
            }
        }
        return Volume(
            nx: nx, ny: ny, nz: nz, spacingMM: spacingMM, voxels: voxels,
            geometry: .axisAligned(spacingMM: spacingMM, originMM: origin), unit: unit, descrip: "iqkit synthetic sphere scene")
    }

    /// Six spheres of the IEC body phantom's diameters on a 57.2 mm ring,
    /// 10:1 over a 2 kBq/mL background (values in Bq/mL).
    public static let iecLike = SphereScene(
        cylinderRadiusMM: 110, background: 2000,
        spheres: [37.0, 28, 22, 17, 13, 10].enumerated().map { i, d in
            let angle = Double(i) * Double.pi / 3
            return Sphere(centerMM: SIMD3(57.2 * cos(angle), 57.2 * sin(angle), 0), radiusMM: d / 2, value: 20000)
        })
}

import Foundation
