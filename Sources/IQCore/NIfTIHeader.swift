import Foundation

/// The fields of a NIfTI-1 or NIfTI-2 header that iqkit uses, decoded from
/// raw bytes in native byte order, before any voxel memory is allocated.
///
/// Parsing never fails on odd values; `NIfTIHeaderValidator` judges them.
public struct NIfTIHeader: Sendable, Equatable {
    public enum Version: Int, Sendable, Codable { case nifti1 = 1, nifti2 = 2 }

    public var version: Version
    /// True when the file was written in the other byte order.
    public var byteSwapped: Bool
    /// True for a single `.nii` file (`n+1`/`n+2` magic), false for a `.hdr/.img` pair.
    public var singleFile: Bool
    /// `dim[0...7]` as stored.
    public var dim: [Int64]
    public var datatype: NIfTIDatatype
    public var bitpix: Int
    /// `pixdim[0...7]` as stored; `pixdim[0]` is qfac.
    public var pixdim: [Double]
    public var voxOffset: Double
    public var sclSlope: Double
    public var sclInter: Double
    public var xyztUnits: Int32
    public var qformCode: Int32
    public var sformCode: Int32
    /// quatern_b, quatern_c, quatern_d.
    public var quatern: [Double]
    /// qoffset_x, qoffset_y, qoffset_z.
    public var qoffset: [Double]
    /// srow_x, srow_y, srow_z, four values each.
    public var srow: [[Double]]
    public var intentCode: Int32
    public var intentName: String
    public var descrip: String

    /// Size of the fixed header in bytes.
    public static let nifti1Size = 348
    public static let nifti2Size = 540
}

/// Decodes header bytes; little helpers keep offsets next to the spec's names.
struct HeaderBytes {
    let bytes: [UInt8]
    let swapped: Bool

    func int16(_ offset: Int) -> Int64 { Int64(Int16(bitPattern: raw16(offset))) }
    func int32(_ offset: Int) -> Int64 { Int64(Int32(bitPattern: raw32(offset))) }
    func int64(_ offset: Int) -> Int64 { Int64(bitPattern: raw64(offset)) }
    func float32(_ offset: Int) -> Double { Double(Float(bitPattern: raw32(offset))) }
    func float64(_ offset: Int) -> Double { Double(bitPattern: raw64(offset)) }
    func byte(_ offset: Int) -> UInt8 { bytes[offset] }

    func string(_ offset: Int, _ length: Int) -> String {
        let slice = bytes[offset..<(offset + length)]
        let prefix = slice.prefix { $0 != 0 }
        // Header text fields are ASCII by the standard; anything else is shown lossily.
        return String(decoding: prefix, as: UTF8.self)
    }

    private func raw16(_ o: Int) -> UInt16 {
        let v = UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8
        return swapped ? v.byteSwapped : v
    }
    private func raw32(_ o: Int) -> UInt32 {
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[o + i]) << (8 * UInt32(i)) }
        return swapped ? v.byteSwapped : v
    }
    private func raw64(_ o: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[o + i]) << (8 * UInt64(i)) }
        return swapped ? v.byteSwapped : v
    }
}

extension NIfTIHeader {
    /// Decodes a header from the first bytes of a file.
    /// - Throws: `InputError.notNIfTI` when the bytes are not a NIfTI-1/2 header.
    public static func decode(_ bytes: [UInt8], path: String) throws -> NIfTIHeader {
        guard bytes.count >= 4 else {
            throw InputError.notNIfTI(path: path, reason: bytes.isEmpty ? "file is empty" : "only \(bytes.count) bytes")
        }
        let little = HeaderBytes(bytes: bytes, swapped: false)
        let big = HeaderBytes(bytes: bytes, swapped: true)
        let sizeLE = little.int32(0)
        let sizeBE = big.int32(0)
        let h: HeaderBytes
        let version: Version
        if sizeLE == 348 || sizeBE == 348 {
            h = sizeLE == 348 ? little : big
            version = .nifti1
        } else if sizeLE == 540 || sizeBE == 540 {
            h = sizeLE == 540 ? little : big
            version = .nifti2
        } else {
            throw InputError.notNIfTI(path: path, reason: "sizeof_hdr is neither 348 nor 540")
        }
        let needed = version == .nifti1 ? nifti1Size : nifti2Size
        guard bytes.count >= needed else {
            throw InputError.notNIfTI(path: path, reason: "header truncated: \(bytes.count) of \(needed) bytes")
        }
        switch version {
        case .nifti1: return try decode1(h, path: path)
        case .nifti2: return try decode2(h, path: path)
        }
    }

    private static func decode1(_ h: HeaderBytes, path: String) throws -> NIfTIHeader {
        let magic = Array(h.bytes[344..<348])
        let single: Bool
        if magic == Array("n+1\0".utf8) {
            single = true
        } else if magic == Array("ni1\0".utf8) {
            single = false
        } else {
            throw InputError.notNIfTI(path: path, reason: "magic is not n+1 or ni1 (ANALYZE 7.5 files are not accepted: they carry no orientation)")
        }
        return NIfTIHeader(
            version: .nifti1,
            byteSwapped: h.swapped,
            singleFile: single,
            dim: (0..<8).map { h.int16(40 + 2 * $0) },
            datatype: NIfTIDatatype(rawValue: Int32(truncatingIfNeeded: h.int16(70))),
            bitpix: Int(h.int16(72)),
            pixdim: (0..<8).map { h.float32(76 + 4 * $0) },
            voxOffset: h.float32(108),
            sclSlope: h.float32(112),
            sclInter: h.float32(116),
            xyztUnits: Int32(h.byte(123)),
            qformCode: Int32(truncatingIfNeeded: h.int16(252)),
            sformCode: Int32(truncatingIfNeeded: h.int16(254)),
            quatern: [h.float32(256), h.float32(260), h.float32(264)],
            qoffset: [h.float32(268), h.float32(272), h.float32(276)],
            srow: (0..<3).map { r in (0..<4).map { h.float32(280 + 16 * r + 4 * $0) } },
            intentCode: Int32(truncatingIfNeeded: h.int16(68)),
            intentName: h.string(328, 16),
            descrip: h.string(148, 80)
        )
    }

    private static func decode2(_ h: HeaderBytes, path: String) throws -> NIfTIHeader {
        let magic = Array(h.bytes[4..<8])
        // The last four bytes detect text-mode transfers; some writers
        // (nifticlib 3.0.1) leave them zero, which readers accept.
        let check = Array(h.bytes[8..<12])
        let checkOK = check == [0x0D, 0x0A, 0x1A, 0x0A] || check == [0, 0, 0, 0]
        let single: Bool
        if magic == Array("n+2\0".utf8) && checkOK {
            single = true
        } else if magic == Array("ni2\0".utf8) && checkOK {
            single = false
        } else {
            throw InputError.notNIfTI(path: path, reason: "NIfTI-2 magic is not n+2 or ni2 (or the file was mangled by a text-mode transfer)")
        }
        return NIfTIHeader(
            version: .nifti2,
            byteSwapped: h.swapped,
            singleFile: single,
            dim: (0..<8).map { h.int64(16 + 8 * $0) },
            datatype: NIfTIDatatype(rawValue: Int32(truncatingIfNeeded: h.int16(12))),
            bitpix: Int(h.int16(14)),
            pixdim: (0..<8).map { h.float64(104 + 8 * $0) },
            voxOffset: Double(h.int64(168)),
            sclSlope: h.float64(176),
            sclInter: h.float64(184),
            xyztUnits: Int32(truncatingIfNeeded: h.int32(500)),
            qformCode: Int32(truncatingIfNeeded: h.int32(344)),
            sformCode: Int32(truncatingIfNeeded: h.int32(348)),
            quatern: [h.float64(352), h.float64(360), h.float64(368)],
            qoffset: [h.float64(376), h.float64(384), h.float64(392)],
            srow: (0..<3).map { r in (0..<4).map { h.float64(400 + 32 * r + 8 * $0) } },
            intentCode: Int32(truncatingIfNeeded: h.int32(504)),
            intentName: h.string(508, 16),
            descrip: h.string(240, 80)
        )
    }
}
