import Foundation
import IQCore

/// Helpers shared by the IQCore tests.
enum TestVolumes {
    /// A fresh temporary folder, removed by the caller's `defer`.
    static func temporaryFolder() -> String {
        let path = NSTemporaryDirectory() + "iqkit-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Deterministic pseudo-random voxels (xorshift) in [lo, hi).
    static func random(nx: Int, ny: Int, nz: Int, spacingMM: SIMD3<Double>, seed: UInt64 = 1, lo: Float = 0, hi: Float = 1) -> Volume {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        let voxels = (0..<(nx * ny * nz)).map { _ -> Float in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return lo + (hi - lo) * Float(state >> 40) / Float(1 << 24)
        }
        return Volume(nx: nx, ny: ny, nz: nz, spacingMM: spacingMM, voxels: voxels)
    }
}
