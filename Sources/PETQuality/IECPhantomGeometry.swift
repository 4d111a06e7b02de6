import Foundation
import IQCore

/// The NEMA IEC body phantom's interior, in the phantom frame (mm): origin on
/// the axis in the sphere plane, x left, y anterior, z along the axis.
public struct IECPhantomGeometry: Codable, Sendable, Equatable {
    public struct Sphere: Codable, Sendable, Equatable {
        public var diameterMM: Double
        public var angleDeg: Double
        public var radiusMM: Double { diameterMM / 2 }
    }
    public struct LungInsert: Codable, Sendable, Equatable {
        public var diameterMM: Double
        public var centerMM: [Double]
    }
    public struct Body: Codable, Sendable, Equatable {
        public var semicircleRadiusMM: Double
        public var lowerDepthMM: Double
        public var lowerCornerRadiusMM: Double
        public var lengthMM: Double
        public var spherePlaneFromLidMM: Double
    }

    public var name: String
    public var version: String
    public var source: String
    public var spheres: [Sphere]
    public var ringRadiusMM: Double
    public var sphereWallMM: Double
    public var lungInsert: LungInsert
    public var body: Body

    public static func load(_ path: String) throws -> IECPhantomGeometry {
        let g = try DataFile.decodeYAML(IECPhantomGeometry.self, from: path)
        let numbers = g.spheres.flatMap { [$0.diameterMM, $0.angleDeg] } + [g.ringRadiusMM, g.sphereWallMM, g.lungInsert.diameterMM]
            + [g.body.semicircleRadiusMM, g.body.lowerDepthMM, g.body.lowerCornerRadiusMM, g.body.lengthMM]
        guard g.spheres.count >= 4, numbers.allSatisfy({ $0.isFinite }), g.spheres.allSatisfy({ $0.diameterMM > 0 }), g.ringRadiusMM > 0,
            g.lungInsert.centerMM.count == 2
        else {
            throw InputError.invalidData(path: path, problem: "phantom geometry needs ≥ 4 spheres with positive diameters and finite sizes")
        }
        return g
    }

    /// Sphere centres in the phantom frame (z = 0), in file order.
    public var sphereCentersMM: [SIMD3<Double>] {
        spheres.map { s in
            let a = s.angleDeg * Double.pi / 180
            return SIMD3(ringRadiusMM * cos(a), ringRadiusMM * sin(a), 0)
        }
    }

    /// Whether the transverse point (x, y) lies inside the body outline: a
    /// semicircle above y = 0, and below it a part of depth `lowerDepthMM`
    /// whose lower corners are rounded with `lowerCornerRadiusMM`.
    public func bodyContains(x: Double, y: Double) -> Bool {
        let r = body.semicircleRadiusMM
        if y >= 0 { return x * x + y * y <= r * r }
        if y < -body.lowerDepthMM || abs(x) > r { return false }
        let c = body.lowerCornerRadiusMM
        let inner = r - c
        if abs(x) <= inner { return true }
        let dx = abs(x) - inner
        let dy = y + body.lowerDepthMM - c
        return dy >= 0 || dx * dx + dy * dy <= c * c
    }

    /// Whether z (phantom frame, mm) lies within the body's length.
    public func bodyContains(z: Double) -> Bool {
        let top = body.spherePlaneFromLidMM
        return z <= top && z >= top - body.lengthMM
    }
}

/// A rigid placement of the phantom frame in image (world) millimetres:
/// world = rotation · phantom + translation.
public struct PhantomPose: Codable, Sendable, Equatable {
    /// Row-major 3×3 rotation.
    public var rotation: [Double]
    public var translationMM: [Double]

    public init(rotation: [Double], translationMM: [Double]) {
        self.rotation = rotation
        self.translationMM = translationMM
    }

    /// Rotation by `axialDeg` about z, then a tilt of `tiltDeg` about x.
    public init(axialDeg: Double = 0, tiltDeg: Double = 0, translationMM: SIMD3<Double> = .zero) {
        let a = axialDeg * Double.pi / 180, t = tiltDeg * Double.pi / 180
        let rz: [Double] = [cos(a), -sin(a), 0, sin(a), cos(a), 0, 0, 0, 1]
        let rx: [Double] = [1, 0, 0, 0, cos(t), -sin(t), 0, sin(t), cos(t)]
        rotation = PhantomPose.multiply(rx, rz)
        self.translationMM = [translationMM.x, translationMM.y, translationMM.z]
    }

    static func multiply(_ a: [Double], _ b: [Double]) -> [Double] {
        (0..<9).map { i in
            let r = i / 3, c = i % 3
            return a[3 * r] * b[c] + a[3 * r + 1] * b[3 + c] + a[3 * r + 2] * b[6 + c]
        }
    }

    public func toWorld(_ p: SIMD3<Double>) -> SIMD3<Double> {
        let r = rotation
        return SIMD3(
            r[0] * p.x + r[1] * p.y + r[2] * p.z + translationMM[0],
            r[3] * p.x + r[4] * p.y + r[5] * p.z + translationMM[1],
            r[6] * p.x + r[7] * p.y + r[8] * p.z + translationMM[2])
    }

    public func toPhantom(_ w: SIMD3<Double>) -> SIMD3<Double> {
        let d = w - SIMD3(translationMM[0], translationMM[1], translationMM[2])
        let r = rotation  // inverse of a rotation is its transpose
        return SIMD3(
            r[0] * d.x + r[3] * d.y + r[6] * d.z,
            r[1] * d.x + r[4] * d.y + r[7] * d.z,
            r[2] * d.x + r[5] * d.y + r[8] * d.z)
    }
}
