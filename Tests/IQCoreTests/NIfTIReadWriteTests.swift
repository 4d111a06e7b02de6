import Foundation
import IQCore
import IQTestSupport
import Testing

@Suite struct NIfTIReadWriteTests {
    static let datatypes: [(code: Int32, bits: Int32)] = [
        (2, 8), (256, 8), (4, 16), (512, 16), (8, 32), (768, 32), (1024, 64), (1280, 64), (16, 32), (64, 64),
    ]

    /// Every readable datatype, both NIfTI versions, both byte orders and all
    /// three layouts, from files written by the independent CraftedNIfTI
    /// writer: values, scaling, spacing and geometry come back exactly.
    @Test(arguments: datatypes)
    func readsEveryDatatypeFromAnIndependentWriter(code: Int32, bits: Int32) throws {
        let dir = TestVolumes.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let values = (0..<24).map { Double($0 * 5 % 101) }  // fits every type, including int8/uint8
        for version in [CraftedNIfTI.Version.nifti1, .nifti2] {
            for bigEndian in [false, true] {
                var c = CraftedNIfTI()
                c.version = version
                c.bigEndian = bigEndian
                c.datatype = code
                c.bitpix = bits
                c.sclSlope = 0.5
                c.sclInter = -3
                let tag = "\(code)-\(version)-\(bigEndian)"
                let paths = [dir + "/\(tag).nii", dir + "/\(tag).nii.gz", dir + "/\(tag).hdr"]
                try c.write(values, to: paths[0])
                try c.write(values, to: paths[1])
                try c.writePair(values, header: paths[2], image: dir + "/\(tag).img")
                for path in paths {
                    let loaded = try NIfTIReader.read(path)
                    let v = loaded.volume
                    #expect(v.dimensions == SIMD3(4, 3, 2), "\(path)")
                    #expect(v.spacingMM == SIMD3(2, 2, 3))
                    #expect(v.voxels == values.map { Float($0 * 0.5 - 3) }, "\(path)")
                    #expect(v.geometry.srowMM == c.srow)
                    #expect(v.geometry.qoffsetMM == c.qoffset)
                    #expect(v.unit == "Bq/mL")
                    #expect(loaded.source.byteSwapped == bigEndian)
                }
            }
        }
    }

    /// `.nii.gz` files are inflated in one piece (libdeflate) when they hold
    /// one gzip member of exactly header + voxels; any other gzip file takes
    /// zlib's stream path. Both give the same voxels: a file of two gzip
    /// members (header, then voxels; `cat a.gz b.gz` is a valid gzip file),
    /// and one with bytes after the voxels (its gzip size no longer matches).
    @Test func gzipFilesTheFastPathCannotTakeAreReadThroughZlib() throws {
        let dir = TestVolumes.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let values = (0..<24).map { Double($0 * 7 % 23) }
        let c = CraftedNIfTI()
        let bytes = c.headerBytes(singleFile: true) + CraftedNIfTI.encode(values, datatype: c.datatype, bigEndian: c.bigEndian)
        try c.write(values, to: dir + "/one.nii.gz")
        let expected = try NIfTIReader.read(dir + "/one.nii.gz").volume.voxels
        #expect(expected == values.map(Float.init))
        try CraftedNIfTI.writeBytes(Array(bytes.prefix(200)), to: dir + "/a.gz")
        try CraftedNIfTI.writeBytes(Array(bytes.dropFirst(200)), to: dir + "/b.gz")
        let twoMembers = try Data(contentsOf: URL(fileURLWithPath: dir + "/a.gz")) + Data(contentsOf: URL(fileURLWithPath: dir + "/b.gz"))
        try twoMembers.write(to: URL(fileURLWithPath: dir + "/two.nii.gz"))
        #expect(try NIfTIReader.read(dir + "/two.nii.gz").volume.voxels == expected)
        try CraftedNIfTI.writeBytes(bytes + [1, 2, 3, 4, 5, 6, 7, 8], to: dir + "/longer.nii.gz")
        #expect(try NIfTIReader.read(dir + "/longer.nii.gz").volume.voxels == expected)
    }

    /// Writing and reading back keeps values bit-exactly and geometry exactly,
    /// for both versions and every output layout.
    @Test func writerRoundTrips() throws {
        let dir = TestVolumes.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var v = TestVolumes.random(nx: 7, ny: 5, nz: 4, spacingMM: SIMD3(2.04, 2.04, 3.27), lo: -1000, hi: 3000)
        v.geometry = VolumeGeometry(
            qformCode: 1, quatern: [0, 0, 1], qoffsetMM: [100, 120, -50], qfac: -1, sformCode: 2,
            srowMM: [[-2.04, 0, 0, 100], [0, -2.04, 0, 120], [0, 0, 3.27, -50]])
        v.unit = "HU"
        v.descrip = "round trip"
        for version in [NIfTIHeader.Version.nifti1, .nifti2] {
            for name in ["a.nii", "b.nii.gz", "c.hdr"] {
                let path = dir + "/\(version)-\(name)"
                try NIfTIWriter.write(v, to: path, version: version)
                let loaded = try NIfTIReader.read(path)
                #expect(loaded.source.version == (version == .nifti1 ? 1 : 2))
                let back = loaded.volume
                #expect(back.voxels == v.voxels)
                #expect(back.unit == "HU")
                #expect(back.descrip == "round trip")
                #expect(back.geometry.qformCode == 1 && back.geometry.sformCode == 2)
                #expect(back.geometry.qfac == -1)
                // NIfTI-1 stores geometry as Float32: compare at that precision.
                for r in 0..<3 {
                    for c in 0..<4 { #expect(abs(back.geometry.srowMM[r][c] - v.geometry.srowMM[r][c]) < 1e-4) }
                    #expect(abs(back.geometry.qoffsetMM[r] - v.geometry.qoffsetMM[r]) < 1e-4)
                    #expect(abs(back.geometry.quatern[r] - v.geometry.quatern[r]) < 1e-6)
                }
                #expect(abs(back.spacingMM.z - 3.27) < 1e-6)
            }
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("iqkit-") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
    }

    /// A 4D file gives the requested frame; without one it is refused.
    @Test func fourDimensionalFramesAndRefusal() throws {
        let dir = TestVolumes.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var c = CraftedNIfTI()
        c.dim = [4, 2, 2, 1, 3, 1, 1, 1]
        let values = (0..<12).map(Double.init)
        let path = dir + "/series.nii.gz"
        try c.write(values, to: path)
        #expect(try NIfTIReader.read(path, options: NIfTIReadOptions(frame: 2)).volume.voxels == [8, 9, 10, 11])
        #expect(try NIfTIReader.read(path, options: NIfTIReadOptions(frame: 0)).volume.voxels == [0, 1, 2, 3])
        #expect(throws: InputError.self) { try NIfTIReader.read(path) }
        #expect(throws: InputError.self) { try NIfTIReader.read(path, options: NIfTIReadOptions(frame: 3)) }
    }

    /// Units other than mm are converted: a file in metres gives spacing in mm.
    @Test func spatialUnitsAreConvertedToMillimetres() throws {
        let dir = TestVolumes.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var c = CraftedNIfTI()
        c.xyztUnits = 1  // metres
        c.pixdim = [1, 0.002, 0.002, 0.003, 1, 1, 1, 1]
        try c.write((0..<24).map(Double.init), to: dir + "/m.nii")
        let v = try NIfTIReader.read(dir + "/m.nii").volume
        #expect(abs(v.spacingMM.x - 2) < 1e-6 && abs(v.spacingMM.z - 3) < 1e-6)
        #expect(abs(v.geometry.srowMM[0][0] - 2000) < 1e-3)  // srow was written as 2 (metres) → 2000 mm
    }

    /// Uncompressed files of two read chunks or more (`pread`s on all cores)
    /// read as the small files do: Float32 in both byte orders, a
    /// `.hdr`/`.img` pair and Int16 with scaling; non-finite voxels on chunk
    /// edges counted once (`ParallelFileReadTests` cuts files short).
    @Test func largeUncompressedFilesReadInParallelChunks() throws {
        let dir = TestVolumes.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (nx, ny, nz) = (256, 256, 170)  // 42.5 MB as Float32: three 16 MiB chunks
        let count = nx * ny * nz
        var values = (0..<count).map { Double(($0 * 7919) % 30011) - 15000 }
        // Voxels on both sides of the first two chunk edges (the header
        // shifts the edges by 352 bytes: 88 voxels), and the last voxel.
        let edge = (16 << 20) / 4
        for i in [edge - 89, edge - 88, edge - 87, 2 * edge - 88, count - 1] { values[i] = i % 2 == 0 ? .nan : -.infinity }
        let expected = values.map(Float.init)
        var c = CraftedNIfTI()
        c.dim = [3, Int64(nx), Int64(ny), Int64(nz), 1, 1, 1, 1]
        func check(_ path: String) throws {
            let loaded = try NIfTIReader.read(path)
            #expect(loaded.source.nonFiniteVoxels == 5, "\(path)")
            #expect(zip(loaded.volume.voxels, expected).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(path)")
        }
        try c.write(values, to: dir + "/le.nii")
        try check(dir + "/le.nii")
        try c.writePair(values, header: dir + "/pair.hdr", image: dir + "/pair.img")
        try check(dir + "/pair.hdr")
        c.bigEndian = true
        try c.write(values, to: dir + "/be.nii")
        try check(dir + "/be.nii")
        var i16 = CraftedNIfTI()
        i16.dim = c.dim
        (i16.datatype, i16.bitpix, i16.sclSlope, i16.sclInter) = (4, 16, 0.5, 2)
        let finite = values.map { $0.isFinite ? $0 : 0 }
        try i16.write(finite, to: dir + "/i16.nii")
        #expect(try NIfTIReader.read(dir + "/i16.nii").volume.voxels == finite.map { Float($0 * 0.5 + 2) })
    }

    /// NaN/Inf voxels are read and counted, not refused.
    @Test func nonFiniteVoxelsAreCounted() throws {
        let dir = TestVolumes.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var values = (0..<24).map(Double.init)
        values[3] = .nan
        values[7] = .infinity
        try CraftedNIfTI().write(values, to: dir + "/nan.nii")
        let loaded = try NIfTIReader.read(dir + "/nan.nii")
        #expect(loaded.source.nonFiniteVoxels == 2)
        #expect(loaded.volume.nonFiniteCount == 2)
    }

    /// Int16 storage (CT's HU): values rounded half away from zero and
    /// clamped to the Int16 range, geometry kept, datatype int16, half the
    /// bytes; non-finite voxels are refused and nothing is left behind.
    @Test func writesInt16() throws {
        let dir = TestVolumes.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var v = TestVolumes.random(nx: 4, ny: 3, nz: 2, spacingMM: SIMD3(0.75, 0.75, 1.25), lo: -1200, hi: 1200)
        v.voxels[0] = 40000
        v.voxels[1] = -40000
        v.voxels[2] = 2.5
        v.voxels[3] = -2.5
        for ext in [".nii", ".nii.gz"] {
            let path = dir + "/ct" + ext
            try NIfTIWriter.write(v, to: path, storage: .int16)
            let back = try NIfTIReader.read(path)
            #expect(back.source.datatype == "int16")
            #expect(back.volume.spacingMM == v.spacingMM)
            #expect(back.volume.geometry == v.geometry)
            let expected = v.voxels.map { Float(max(-32768, min(32767, $0.rounded(.toNearestOrAwayFromZero)))) }
            #expect(back.volume.voxels == expected)
            #expect(Array(back.volume.voxels.prefix(4)) == [32767, -32768, 3, -3])
        }
        let raw = try FileManager.default.attributesOfItem(atPath: dir + "/ct.nii")[.size] as? NSNumber
        #expect(raw?.intValue == 352 + 2 * v.count)  // header and extension flag, then the voxels
        v.voxels[5] = .nan
        #expect(throws: InputError.self) { try NIfTIWriter.write(v, to: dir + "/nan.nii", storage: .int16) }
        #expect(!FileManager.default.fileExists(atPath: dir + "/nan.nii"))
    }
}
