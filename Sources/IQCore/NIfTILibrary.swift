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

    /// Reads `count` bytes starting at `offset` of a (possibly gzipped) file
    /// into `buffer` through znzlib.
    ///
    /// Voxel data is read here rather than with `nifti_image_read` because
    /// nifticlib silently replaces NaN and infinite floats by 0 while loading,
    /// and iqkit must count and report them.
    static func readBytes(_ path: String, compressed: Bool, offset: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        _ = quiet
        // Uncompressed and large: `pread`s on all cores (copying a 2 mm
        // whole-body scan out of the page cache is a fair part of reading it).
        if !compressed, buffer.count >= 2 * ParallelFileRead.defaultChunk, let got = ParallelFileRead.read(path, offset: offset, into: buffer) { return got }
        return Int(iqkit_read_range(path, compressed ? 1 : 0, offset, buffer.baseAddress, buffer.count))
    }

    /// Writes a Float32 volume to exactly the given file name(s): nifticlib
    /// encodes the header from the image description; znzlib writes the bytes.
    /// - Parameters:
    ///   - headerPath: the `.nii[.gz]` or `.hdr[.gz]` to write.
    ///   - imagePath: the `.img[.gz]` of a pair, or nil for a single file.
    static func write(
        _ volume: Volume, headerPath: String, imagePath: String?, compressed: Bool, version: NIfTIHeader.Version, datatype: NIfTIDatatype,
        compressionLevel: Int32
    ) throws {
        _ = quiet
        precondition(datatype == .float32 || datatype == .int16, "only Float32 and Int16 are written")
        var dims: [Int64] = [3, Int64(volume.nx), Int64(volume.ny), Int64(volume.nz), 1, 1, 1, 1]
        guard let nim = nifti_make_new_nim(&dims, Int32(datatype.rawValue), 0) else {
            throw InputError.cannotWrite(path: headerPath, problem: "nifticlib could not describe the image")
        }
        defer { nifti_image_free(nim) }
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
        let single = imagePath == nil
        switch version {
        case .nifti1:
            nim.pointee.nifti_type = single ? 1 : 2
            nim.pointee.iname_offset = single ? 352 : 0
        case .nifti2:
            nim.pointee.nifti_type = single ? 4 : 5
            nim.pointee.iname_offset = single ? 544 : 0
        }
        var header: [UInt8]
        switch version {
        case .nifti1:
            var h = nifti_1_header()
            guard nifti_convert_nim2n1hdr(nim, &h) == 0 else {
                throw InputError.cannotWrite(path: headerPath, problem: "nifticlib could not encode a NIfTI-1 header")
            }
            header = withUnsafeBytes(of: &h) { Array($0.prefix(NIfTIHeader.nifti1Size)) }
        case .nifti2:
            var h = nifti_2_header()
            guard nifti_convert_nim2n2hdr(nim, &h) == 0 else {
                throw InputError.cannotWrite(path: headerPath, problem: "nifticlib could not encode a NIfTI-2 header")
            }
            header = withUnsafeBytes(of: &h) { Array($0.prefix(NIfTIHeader.nifti2Size)) }
            // nifticlib 3.0.1 leaves the magic's line-ending check bytes zero;
            // the standard wants "\r\n\u{1A}\n" there.
            header.replaceSubrange(8..<12, with: [0x0D, 0x0A, 0x1A, 0x0A])
        }
        let gz: Int32 = compressed ? compressionLevel : 0
        let int16: [Int16] = datatype == .int16
            ? volume.voxels.map { Int16(max(-32768, min(32767, $0.rounded(.toNearestOrAwayFromZero)))) } : []
        func withData<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
            datatype == .int16 ? int16.withUnsafeBytes(body) : volume.voxels.withUnsafeBytes(body)
        }
        let status: Int32 = withData { data in
            header.withUnsafeBytes { hdr in
                if let imagePath {
                    let a = iqkit_write_header_and_data(headerPath, gz, hdr.baseAddress, hdr.count, 0, nil, 0)
                    let b = iqkit_write_header_and_data(imagePath, gz, data.baseAddress, data.count, 0, nil, 0)
                    return a == 0 && b == 0 ? 0 : -1
                }
                return iqkit_write_header_and_data(headerPath, gz, hdr.baseAddress, hdr.count, 1, data.baseAddress, data.count)
            }
        }
        if status != 0 {
            throw InputError.cannotWrite(path: headerPath, problem: String(cString: strerror(errno)))
        }
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
