import IQCore
import Testing
import SparseCNN

@Suite struct SparseVersusDenseTests {
    /// The sparse submanifold convolution equals a dense convolution of the
    /// zero-filled image on every active voxel. Tolerance 1e-5 relative to
    /// the largest output: Float32 sums of ≤ 125·16 products in a different
    /// order than the Double reference differ by a few ulps of the total.
    /// The channel pairs and modes cover each way `forward` computes:
    /// gather-GEMM-scatter (training, and wide layers in inference) and, in
    /// inference, in-place accumulation with 8 or 16 output channels (SIMD
    /// rows) and with other counts (scalar loop).
    @Test(arguments: [(3, 3, 4), (5, 3, 4), (3, 4, 8), (3, 8, 16), (3, 5, 32), (3, 16, 16)], [ForwardMode.training, .inference])
    func submanifoldMatchesDense(shape: (kernelSize: Int, inChannels: Int, outChannels: Int), mode: ForwardMode) {
        let (kernelSize, inChannels, outChannels) = shape
        let x = randomTensor(seed: 11, channels: inChannels)
        let net = Self.oneConvolution(.submanifold(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize), outChannels: outChannels, seed: 5, biasSeed: 9)
        let w = net.parameters[0].value, b = net.parameters[1].value
        let sparse = net.activation(of: x, throughLayers: 1, mode: mode).values
        let dense = denseSubmanifoldReference(x, weights: w, bias: b, kernelSize: kernelSize, outChannels: outChannels)
        let scale = dense.map(abs).max() ?? 1
        let worst = zip(sparse, dense).map { abs($0 - $1) }.max() ?? 0
        #expect(sparse.count == dense.count)
        #expect(worst <= 1e-5 * scale, "max |sparse − dense| = \(worst), scale \(scale)")
    }

    /// The stride-2 convolution against a reference written here (each input
    /// site adds its features through the weights of its position in the
    /// block to the block's output), for in-place and GEMM accumulation.
    /// Tolerance as above.
    @Test(arguments: [(4, 8), (8, 16), (16, 32), (3, 5)], [ForwardMode.training, .inference])
    func downsampleMatchesReference(channels: (inChannels: Int, outChannels: Int), mode: ForwardMode) {
        let (inChannels, outChannels) = channels
        let x = randomTensor(seed: 17, box: 9, channels: inChannels)
        let net = Self.oneConvolution(.downsample(inChannels: inChannels, outChannels: outChannels), outChannels: outChannels, seed: 8, biasSeed: 2)
        let w = net.parameters[0].value, b = net.parameters[1].value
        let y = net.activation(of: x, throughLayers: 1, mode: mode).values
        var order: [SIMD3<Int32>] = []
        var sums: [SIMD3<Int32>: [Double]] = [:]
        for (i, c) in x.sites.coordinates.enumerated() {
            let block = SIMD3(c.x >> 1, c.y >> 1, c.z >> 1)
            if sums[block] == nil {
                order.append(block)
                sums[block] = b.map(Double.init)
            }
            let k = Int(c.x & 1) + 2 * Int(c.y & 1) + 4 * Int(c.z & 1)
            for o in 0..<outChannels {
                for ch in 0..<inChannels {
                    sums[block]![o] += Double(w[(k * inChannels + ch) * outChannels + o]) * Double(x.features[i * inChannels + ch])
                }
            }
        }
        let reference = order.flatMap { sums[$0]!.map { Float($0) } }
        let scale = reference.map(abs).max() ?? 1
        let worst = zip(y, reference).map { abs($0 - $1) }.max() ?? 0
        #expect(y.count == reference.count)
        #expect(worst <= 1e-5 * scale, "max |sparse − reference| = \(worst), scale \(scale)")
    }

    /// A network whose first layer is `convolution` (then pooling and a
    /// dense head), with random (not zero) biases so that they are tested too.
    static func oneConvolution(_ convolution: LayerSpec, outChannels: Int, seed: UInt64, biasSeed: UInt64) -> Network {
        let inChannels: Int
        switch convolution {
        case .submanifold(let cin, _, _), .downsample(let cin, _): inChannels = cin
        default: preconditionFailure("not a convolution")
        }
        let arch = Architecture(
            inputChannels: inChannels, layers: [convolution, .globalPool, .dense(inFeatures: 2 * outChannels, outFeatures: 2)], classes: ["a", "b"])
        let net = Network(architecture: arch, seed: seed)
        var biasRandom = SplitMix64(seed: biasSeed)
        for p in net.parameters where p.shape.count == 1 { p.value = p.value.map { _ in Float(biasRandom.nextNormal()) } }
        return net
    }

    /// The stride-2 convolution: each coarse site sums its 2×2×2 block, checked by hand.
    @Test func downsampleSumsItsBlock() {
        let coordinates: [SIMD3<Int32>] = [SIMD3(0, 0, 0), SIMD3(1, 0, 0), SIMD3(1, 1, 1), SIMD3(2, 0, 0), SIMD3(-1, 0, 0)]
        let x = SparseTensor(sites: ActiveSet(coordinates: coordinates), channels: 1, features: [1, 2, 3, 4, 5])
        let arch = Architecture(
            inputChannels: 1, layers: [.downsample(inChannels: 1, outChannels: 1), .globalPool, .dense(inFeatures: 2, outFeatures: 2)], classes: ["a", "b"])
        let net = Network(architecture: arch, seed: 1)
        // Offset k = bits of (c & 1), x first; weight k + 1 tells the offsets apart.
        net.parameters[0].value = (0..<8).map { Float($0 + 1) }
        let y = net.activation(of: x, throughLayers: 1).values
        // Sites in order of first appearance: (0,0,0) ← (0,0,0),(1,0,0),(1,1,1); (1,0,0) ← (2,0,0); (-1,0,0) ← (-1,0,0).
        let expected: [Float] = [1 * 1 + 2 * 2 + 3 * 8, 4 * 1, 5 * 2]
        #expect(y == expected)
    }
}

import Foundation

/// The neighbour lists of submanifold convolutions, against a brute-force
/// search written here.
@Suite struct NeighbourPairTests {
    /// For every offset, in increasing output row: the input row at
    /// output site + offset, when active.
    static func bruteForce(_ coordinates: [SIMD3<Int32>], kernelSize: Int) -> [(inputRows: [Int32], outputRows: [Int32])] {
        let r = Int32(kernelSize / 2)
        var row: [SIMD3<Int32>: Int32] = [:]
        for (i, c) in coordinates.enumerated() { row[c] = Int32(i) }
        var lists: [(inputRows: [Int32], outputRows: [Int32])] = []
        for dz in -r...r {
            for dy in -r...r {
                for dx in -r...r {
                    var ins: [Int32] = [], outs: [Int32] = []
                    for (i, c) in coordinates.enumerated() {
                        if let j = row[c &+ SIMD3(dx, dy, dz)] {
                            ins.append(j)
                            outs.append(Int32(i))
                        }
                    }
                    lists.append((ins, outs))
                }
            }
        }
        return lists
    }

    /// Raster-ordered sites (a scan's order) take the half-memory path, other
    /// orders the plain one; both must list exactly the brute-force pairs in
    /// the same order (the order fixes the weight gradients' summation order,
    /// so it is part of bit-for-bit reproducibility).
    @Test(arguments: [3, 5])
    func pairsEqualABruteForceSearch(kernelSize: Int) {
        let raster = randomTensor(seed: 3, box: 9, fill: 0.4, channels: 1).sites.coordinates
        var random = SplitMix64(seed: 4)
        var shuffled = raster
        random.shuffle(&shuffled)
        for coordinates in [raster, shuffled] {
            let pairs = ActiveSet(coordinates: coordinates).neighbourPairs(kernelSize: kernelSize)
            let expected = Self.bruteForce(coordinates, kernelSize: kernelSize)
            #expect(pairs.count == expected.count)
            for (k, (got, want)) in zip(pairs, expected).enumerated() {
                #expect(got.inputRows == want.inputRows && got.outputRows == want.outputRows, "offset \(k)")
            }
        }
    }

    /// On raster-ordered sites, offsets o and −o share their arrays (the
    /// memory the mirror saves), and other orders keep copies of their own.
    @Test func mirroredOffsetsShareStorage() {
        let raster = randomTensor(seed: 5, box: 8, fill: 0.5, channels: 1).sites.coordinates
        var shuffled = raster
        var random = SplitMix64(seed: 6)
        random.shuffle(&shuffled)
        func address(_ a: [Int32]) -> UnsafeRawPointer? { a.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }
        for (coordinates, shared) in [(raster, true), (shuffled, false)] {
            let pairs = ActiveSet(coordinates: coordinates).neighbourPairs(kernelSize: 3)
            for k in 14..<27 {
                let m = 26 - k
                #expect((address(pairs[k].inputRows) == address(pairs[m].outputRows)) == shared, "offset \(k)")
                #expect((address(pairs[k].outputRows) == address(pairs[m].inputRows)) == shared, "offset \(k)")
            }
        }
    }
}
