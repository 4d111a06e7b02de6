import Foundation
import IQCore
import IQTestSupport
import Testing

/// Every validation rule, triggered by a crafted file. Each error must be one
/// line naming the file.
@Suite struct NIfTIValidationTests {
    let dir = TestVolumes.temporaryFolder()
    let values = (0..<24).map(Double.init)

    func expectError(_ path: String, options: NIfTIReadOptions = NIfTIReadOptions(), matching: (InputError) -> Bool, _ note: String) {
        do {
            _ = try NIfTIReader.read(path, options: options)
            Issue.record("\(note): read succeeded")
        } catch let error as InputError {
            #expect(matching(error), "\(note): \(error)")
            let text = error.description
            #expect(text.contains(path), "\(note): message does not name the file: \(text)")
            #expect(!text.contains("\n"), "\(note): message is not one line")
        } catch {
            Issue.record("\(note): unexpected error type \(error)")
        }
    }

    func craft(_ name: String, _ change: (inout CraftedNIfTI) -> Void, values: [Double]? = nil) throws -> String {
        var c = CraftedNIfTI()
        change(&c)
        let path = dir + "/" + name
        try c.write(values ?? self.values, to: path)
        return path
    }

    @Test func headerFieldErrors() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func header(_ e: InputError, _ field: String) -> Bool {
            if case .invalidHeader(_, let f, _) = e { return f == field }
            return false
        }
        expectError(try craft("dim0.nii") { $0.dim[0] = 0 }, matching: { header($0, "dim[0]") }, "dim[0] = 0")
        expectError(try craft("dim0big.nii") { $0.dim[0] = 9 }, matching: { header($0, "dim[0]") }, "dim[0] = 9")
        expectError(try craft("zero.nii") { $0.dim[2] = 0 }, matching: { header($0, "dim[2]") }, "zero dimension")
        expectError(try craft("negative.nii") { $0.dim[1] = -4 }, matching: { header($0, "dim[1]") }, "negative dimension")
        expectError(try craft("zerospacing.nii") { $0.pixdim[1] = 0 }, matching: { header($0, "pixdim[1]") }, "zero spacing")
        expectError(try craft("negspacing.nii") { $0.pixdim[3] = -2 }, matching: { header($0, "pixdim[3]") }, "negative spacing")
        expectError(try craft("nanspacing.nii") { $0.pixdim[2] = .nan }, matching: { header($0, "pixdim[2]") }, "NaN spacing")
        expectError(try craft("nanslope.nii") { $0.sclSlope = .nan }, matching: { header($0, "scl_slope") }, "NaN slope")
        expectError(try craft("infslope.nii") { $0.sclSlope = .infinity }, matching: { header($0, "scl_slope") }, "Inf slope")
        expectError(try craft("infinter.nii") { $0.sclInter = -.infinity }, matching: { header($0, "scl_inter") }, "Inf intercept")
        expectError(try craft("offsetpast.nii") { $0.voxOffset = 1_000_000 }, matching: { header($0, "vox_offset") }, "vox_offset past end")
        expectError(try craft("offsetinside.nii") { $0.voxOffset = 100 }, matching: { header($0, "vox_offset") }, "vox_offset inside header")
        expectError(try craft("offsetneg.nii") { $0.voxOffset = -8 }, matching: { header($0, "vox_offset") }, "negative vox_offset")
        expectError(try craft("nansform.nii") { $0.srow[1][3] = .nan }, matching: { header($0, "sform") }, "NaN sform")
        expectError(
            try craft("overflow.nii") { $0.version = .nifti2; $0.dim = [4, 1 << 40, 1 << 40, 1 << 10, 1, 1, 1, 1] },
            matching: { header($0, "dim") }, "dimension product overflow")
    }

    @Test func formatErrors() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func notNIfTI(_ e: InputError) -> Bool { if case .notNIfTI = e { return true }; return false }
        let empty = dir + "/empty.nii"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        expectError(empty, matching: notNIfTI, "empty file")
        let text = dir + "/text.nii"
        try Data(String(repeating: "not an image ", count: 50).utf8).write(to: URL(fileURLWithPath: text))
        expectError(text, matching: notNIfTI, "text file")
        let short = dir + "/short.nii"
        try CraftedNIfTI.writeBytes(Array(CraftedNIfTI().headerBytes(singleFile: true).prefix(200)), to: short)
        expectError(short, matching: notNIfTI, "truncated header")
        expectError(try craft("magic.nii") { $0.magicOverride = Array("xyz\0".utf8) }, matching: notNIfTI, "wrong magic")
        expectError(try craft("analyze.nii") { $0.magicOverride = [0, 0, 0, 0] }, matching: notNIfTI, "ANALYZE 7.5")
        let other = dir + "/image.png"
        _ = FileManager.default.createFile(atPath: other, contents: Data([1, 2, 3]))
        expectError(other, matching: notNIfTI, "wrong extension")
    }

    @Test func dataErrors() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func truncated(_ e: InputError) -> Bool { if case .truncatedData = e { return true }; return false }
        // Uncompressed: caught from the file size before allocation.
        expectError(try craft("short-data.nii", { _ in }, values: Array(values.prefix(10))), matching: truncated, "truncated data")
        // Compressed: caught when nifticlib runs out of data.
        expectError(try craft("short-data.nii.gz", { _ in }, values: Array(values.prefix(10))), matching: truncated, "truncated .nii.gz data")
        // A .nii.gz whose gzip stream itself is cut short.
        let whole = dir + "/whole.nii.gz"
        try CraftedNIfTI().write(values, to: whole)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        let cut = dir + "/cut.nii.gz"
        try bytes.prefix(bytes.count - 20).write(to: URL(fileURLWithPath: cut))
        expectError(cut, matching: { _ in true }, "truncated gzip stream")
        // A header without its image.
        let c = CraftedNIfTI()
        try c.writePair(values, header: dir + "/lonely.hdr", image: dir + "/lonely.img")
        try FileManager.default.removeItem(atPath: dir + "/lonely.img")
        expectError(dir + "/lonely.hdr", matching: { if case .missingCompanion = $0 { return true }; return false }, ".hdr without .img")
    }

    @Test func unsupportedAndBudget() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func unsupported(_ e: InputError) -> Bool { if case .unsupported = e { return true }; return false }
        expectError(try craft("complex.nii") { $0.datatype = 32; $0.bitpix = 64 }, matching: unsupported, "complex datatype")
        expectError(try craft("rgb.nii") { $0.datatype = 128; $0.bitpix = 24 }, matching: unsupported, "RGB datatype")
        expectError(
            try craft("unknown.nii") { $0.datatype = 3 },
            matching: { if case .invalidHeader(_, "datatype", _) = $0 { return true }; return false }, "unknown datatype")
        expectError(try craft("5d.nii") { $0.dim = [5, 2, 2, 1, 1, 6, 1, 1] }, matching: unsupported, "5D image")
        let big = try craft("big.nii") { _ in }
        expectError(
            big, options: NIfTIReadOptions(maxVoxels: 10),
            matching: { if case .overBudget = $0 { return true }; return false }, "over the voxel budget")
    }

    @Test func fileSystemErrors() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        expectError(dir + "/missing.nii", matching: { $0 == .missingFile(path: dir + "/missing.nii") }, "missing file")
        let folder = dir + "/folder.nii"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        expectError(folder, matching: { $0 == .notAFile(path: folder) }, "a directory")
        if getuid() != 0 {  // root reads anything
            let locked = try craft("locked.nii") { _ in }
            chmod(locked, 0)
            expectError(locked, matching: { $0 == .unreadable(path: locked) }, "unreadable file")
        }
    }

    /// Small and lower-dimensional images are valid volumes.
    @Test func tinyAndTwoDimensionalImagesAreAccepted() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let one = try craft("one.nii", { $0.dim = [3, 1, 1, 1, 1, 1, 1, 1] }, values: [42])
        #expect(try NIfTIReader.read(one).volume.voxels == [42])
        let flat = try craft("flat.nii", { $0.dim = [2, 4, 6, 1, 1, 1, 1, 1]; $0.pixdim[3] = 0 })
        let v = try NIfTIReader.read(flat).volume
        #expect(v.dimensions == SIMD3(4, 6, 1))
        #expect(v.spacingMM.z == 1)  // unused third spacing of a 2D image defaults to 1 mm
    }
}
