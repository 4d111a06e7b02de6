/// The one seeded random generator of iqkit (SplitMix64, Steele, Lea & Flood
/// 2014): the same seed gives the same simulated noise, network weights,
/// shuffles and splits on every platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal (Box–Muller; one of the pair is discarded to keep the stream simple).
    public mutating func nextNormal() -> Double {
        let u1 = max(nextUniform(), 0x1.0p-60)
        let u2 = nextUniform()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    /// Poisson with mean λ: Knuth's product method below 30, else the
    /// normal approximation (error of the variance below 1 % there).
    public mutating func nextPoisson(_ lambda: Double) -> Double {
        if lambda <= 0 { return 0 }
        if lambda < 30 {
            let l = _exp(-lambda)
            var k = 0.0
            var p = 1.0
            repeat {
                k += 1
                p *= nextUniform()
            } while p > l
            return k - 1
        }
        return max(0, (lambda + lambda.squareRoot() * nextNormal()).rounded(.toNearestOrAwayFromZero))
    }

    /// An independent stream `index` of a seed, for parallel work that must
    /// not depend on scheduling (one stream per slice, per scan…).
    public static func stream(seed: UInt64, index: Int) -> SplitMix64 {
        var g = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        _ = g.next()
        return g
    }

    /// A deterministic Fisher–Yates shuffle (independent of the standard library's algorithm).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            array.swapAt(i, j)
        }
    }
}

import Foundation
@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation.cos(x) }
@inline(__always) private func _exp(_ x: Double) -> Double { Foundation.exp(x) }
