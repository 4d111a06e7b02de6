import IQCore
import Testing

@Suite struct VolumeTests {
    /// Every NaN and ±Inf becomes the value, wherever it sits (first voxel,
    /// last voxel, in between); finite voxels are untouched.
    @Test func replaceNonFiniteCountsAndReplaces() {
        var v = TestVolumes.random(nx: 5, ny: 4, nz: 3, spacingMM: [2, 2, 2], seed: 3)
        let original = v.voxels
        let bad = [0, 7, 31, 59]
        v.voxels[0] = .nan
        v.voxels[7] = .infinity
        v.voxels[31] = -.infinity
        v.voxels[59] = .nan
        #expect(v.replaceNonFinite(with: -1) == 4)
        for i in v.voxels.indices {
            #expect(v.voxels[i] == (bad.contains(i) ? -1 : original[i]), "voxel \(i)")
        }
        #expect(v.replaceNonFinite() == 0)
    }

    /// A volume without NaN/Inf is not copied: its storage stays shared
    /// with the volume it was assigned from (a whole-body scan is ~240 MB).
    @Test func replaceNonFiniteLeavesSharedStorageAlone() {
        let a = TestVolumes.random(nx: 8, ny: 8, nz: 8, spacingMM: [2, 2, 2])
        var b = a
        #expect(b.replaceNonFinite() == 0)
        let same = a.voxels.withUnsafeBufferPointer { p in b.voxels.withUnsafeBufferPointer { q in p.baseAddress == q.baseAddress } }
        #expect(same)
    }
}
