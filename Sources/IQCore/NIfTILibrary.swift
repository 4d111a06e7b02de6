import CNIfTI
import Foundation

/// Every call into nifticlib lives here.
enum NIfTILibrary {
    /// nifticlib prints diagnostics to stderr at its default debug level 1;
    /// iqkit reports problems itself, in one line, so it silences the library.
    private static let quiet: Void = { nifti_set_debug_level(0) }()

    /// The first `count` bytes of a file (decompressed when `compressed`).
    static func readPrefix(_ path: String, compressed: Bool, count: Int) throws -> [UInt8] {
        _ = quiet
        var buffer = [UInt8](repeating: 0, count: count)
        let got = buffer.withUnsafeMutableBytes { iqkit_read_prefix(path, compressed ? 1 : 0, $0.baseAddress, count) }
        if got < 0 { throw InputError.unreadable(path: path) }
        return Array(buffer.prefix(got))
    }

    /// Reads the voxel bytes of a whole 3D image or of one frame of a 4D one,
    /// in native byte order, and hands them to `body`.
    static func readVoxels<R>(
        _ headerPath: String, frame: Int?, expectedCount: Int, path: String,
        body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        _ = quiet
        if let frame {
            var list = nifti_brick_list()
            var wanted = Int64(frame)
            guard let nim = nifti_image_read_bricks(headerPath, 1, &wanted, &list) else {
                throw InputError.truncatedData(path: path, problem: "nifticlib could not read frame \(frame)")
            }
            defer {
                nifti_free_NBL(&list)
                nifti_image_free(nim)
            }
            guard list.nbricks == 1, let bricks = list.bricks, let data = bricks[0] else {
                throw InputError.truncatedData(path: path, problem: "frame \(frame) could not be read (file truncated?)")
            }
            return try body(UnsafeRawBufferPointer(start: data, count: Int(list.bsize)))
        }
        guard let nim = nifti_image_read(headerPath, 1) else {
            throw InputError.truncatedData(path: path, problem: "nifticlib could not read the image")
        }
        defer { nifti_image_free(nim) }
        guard let data = nim.pointee.data else {
            throw InputError.truncatedData(path: path, problem: "voxel data could not be read (file truncated or corrupt)")
        }
        let bytes = Int(nim.pointee.nvox) * Int(nim.pointee.nbyper)
        return try body(UnsafeRawBufferPointer(start: data, count: bytes))
    }

    /// Writes a Float32 volume with nifticlib to exactly the given file name(s).
    /// - Parameter fileName: a `.nii`, `.nii.gz`, `.hdr` or `.hdr.gz` path.
    static func write(_ volume: Volume, fileName: String, version: NIfTIHeader.Version, pair: Bool) throws {
        _ = quiet
        var dims: [Int64] = [3, Int64(volume.nx), Int64(volume.ny), Int64(volume.nz), 1, 1, 1, 1]
        guard let nim = nifti_make_new_nim(&dims, Int32(NIfTIDatatype.float32.rawValue), 0) else {
            throw InputError.cannotWrite(path: fileName, problem: "nifticlib could not create the image")
        }
        defer { nifti_image_free(nim) }
        let byteCount = volume.count * MemoryLayout<Float>.size
        guard let data = malloc(byteCount) else {
            throw InputError.cannotWrite(path: fileName, problem: "out of memory")
        }
        volume.voxels.withUnsafeBytes { data.copyMemory(from: $0.baseAddress!, byteCount: byteCount) }
        nim.pointee.data = data

        let s = volume.spacingMM
        let g = volume.geometry
        nim.pointee.dx = s.x
        nim.pointee.dy = s.y
        nim.pointee.dz = s.z
        withUnsafeMutableBytes(of: &nim.pointee.pixdim) { raw in
            let p = raw.bindMemory(to: Double.self)
            p[0] = g.qfac < 0 ? -1 : 1
            p[1] = s.x
            p[2] = s.y
            p[3] = s.z
        }
        nim.pointee.xyz_units = 2  // NIFTI_UNITS_MM
        nim.pointee.time_units = 0
        nim.pointee.scl_slope = 1
        nim.pointee.scl_inter = 0
        nim.pointee.qform_code = g.qformCode
        nim.pointee.quatern_b = g.quatern[0]
        nim.pointee.quatern_c = g.quatern[1]
        nim.pointee.quatern_d = g.quatern[2]
        nim.pointee.qoffset_x = g.qoffsetMM[0]
        nim.pointee.qoffset_y = g.qoffsetMM[1]
        nim.pointee.qoffset_z = g.qoffsetMM[2]
        nim.pointee.qfac = g.qfac < 0 ? -1 : 1
        nim.pointee.sform_code = g.sformCode
        withUnsafeMutableBytes(of: &nim.pointee.sto_xyz.m) { raw in
            let m = raw.bindMemory(to: Double.self)
            for r in 0..<3 { for c in 0..<4 { m[4 * r + c] = g.srowMM[r][c] } }
            m[12] = 0
            m[13] = 0
            m[14] = 0
            m[15] = 1
        }
        copyCString(volume.descrip, into: &nim.pointee.descrip)
        copyCString(volume.unit ?? "", into: &nim.pointee.intent_name)
        switch (version, pair) {
        case (.nifti1, false): nim.pointee.nifti_type = 1
        case (.nifti1, true): nim.pointee.nifti_type = 2
        case (.nifti2, false): nim.pointee.nifti_type = 4
        case (.nifti2, true): nim.pointee.nifti_type = 5
        }
        guard nifti_set_filenames(nim, fileName, 0, 1) == 0 else {
            throw InputError.cannotWrite(path: fileName, problem: "nifticlib rejected the file name")
        }
        nifti_image_write(nim)
    }

    private static func copyCString<T>(_ text: String, into field: inout T) {
        withUnsafeMutableBytes(of: &field) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            // Keep the fields ASCII and leave room for the terminating NUL.
            let ascii = text.unicodeScalars.map { $0.isASCII ? UInt8($0.value) : UInt8(ascii: "?") }
            for (i, byte) in ascii.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
    }
}
