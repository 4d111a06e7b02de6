import CNIfTI
import Foundation

/// Writes NIfTI files byte by byte from the specification's offsets, with no
/// help from nifticlib or IQCore, so tests can check the reader against an
/// independent writer and craft every kind of malformed file.
public struct CraftedNIfTI {
    public enum Version { case nifti1, nifti2 }

    public var version: Version = .nifti1
    public var bigEndian = false
    /// dim[0...7].
    public var dim: [Int64] = [3, 4, 3, 2, 1, 1, 1, 1]
    public var datatype: Int32 = 16
    public var bitpix: Int32 = 32
    public var pixdim: [Double] = [1, 2, 2, 3, 1, 1, 1, 1]
    /// nil: the natural offset (352 or 544 for single files, 0 for pairs).
    public var voxOffset: Double?
    public var sclSlope: Double = 1
    public var sclInter: Double = 0
    public var xyztUnits: UInt8 = 2
    public var qformCode: Int32 = 1
    public var sformCode: Int32 = 1
    public var quatern: [Double] = [0, 0, 0]
    public var qoffset: [Double] = [-10, -20, -30]
    public var srow: [[Double]] = [[2, 0, 0, -10], [0, 2, 0, -20], [0, 0, 3, -30]]
    public var intentName = "Bq/mL"
    public var descrip = "crafted by iqkit tests"
    public var magicOverride: [UInt8]?
    public var sizeofHdrOverride: Int32?

    public init() {}

    /// Voxel values encoded in `datatype`, in file byte order.
    public static func encode(_ values: [Double], datatype: Int32, bigEndian: Bool) -> [UInt8] {
        var out: [UInt8] = []
        func put<T: FixedWidthInteger>(_ v: T) {
            let w = bigEndian ? v.bigEndian : v.littleEndian
            withUnsafeBytes(of: w) { out.append(contentsOf: $0) }
        }
        for v in values {
            switch datatype {
            case 2: put(UInt8(v))
            case 256: put(Int8(v))
            case 4: put(Int16(v))
            case 512: put(UInt16(v))
            case 8: put(Int32(v))
            case 768: put(UInt32(v))
            case 1024: put(Int64(v))
            case 1280: put(UInt64(v))
            case 16: put(Float(v).bitPattern)
            case 64: put(v.bitPattern)
            default: put(UInt32(0))
            }
        }
        return out
    }

    /// The header bytes (348 + 4 extension bytes, or 540 + 4).
    public func headerBytes(singleFile: Bool) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: version == .nifti1 ? 352 : 544)
        func put<T: FixedWidthInteger>(_ v: T, _ o: Int) {
            let w = bigEndian ? v.bigEndian : v.littleEndian
            withUnsafeBytes(of: w) { for (i, b) in $0.enumerated() { h[o + i] = b } }
        }
        func f32(_ v: Double, _ o: Int) { put(Float(v).bitPattern, o) }
        func f64(_ v: Double, _ o: Int) { put(v.bitPattern, o) }
        func text(_ s: String, _ o: Int, _ n: Int) { for (i, b) in Array(s.utf8).prefix(n - 1).enumerated() { h[o + i] = b } }
        let natural: Double = singleFile ? (version == .nifti1 ? 352 : 544) : 0
        let offset = voxOffset ?? natural
        switch version {
        case .nifti1:
            put(sizeofHdrOverride ?? 348, 0)
            for i in 0..<8 { put(Int16(truncatingIfNeeded: dim[i]), 40 + 2 * i) }
            put(Int16(truncatingIfNeeded: datatype), 70)
            put(Int16(truncatingIfNeeded: bitpix), 72)
            for i in 0..<8 { f32(pixdim[i], 76 + 4 * i) }
            f32(offset, 108)
            f32(sclSlope, 112)
            f32(sclInter, 116)
            h[123] = xyztUnits
            text(descrip, 148, 80)
            put(Int16(truncatingIfNeeded: qformCode), 252)
            put(Int16(truncatingIfNeeded: sformCode), 254)
            for i in 0..<3 { f32(quatern[i], 256 + 4 * i) }
            for i in 0..<3 { f32(qoffset[i], 268 + 4 * i) }
            for r in 0..<3 { for c in 0..<4 { f32(srow[r][c], 280 + 16 * r + 4 * c) } }
            text(intentName, 328, 16)
            let magic = magicOverride ?? Array((singleFile ? "n+1\0" : "ni1\0").utf8)
            for (i, b) in magic.prefix(4).enumerated() { h[344 + i] = b }
        case .nifti2:
            put(sizeofHdrOverride ?? 540, 0)
            let magic = magicOverride ?? Array((singleFile ? "n+2\0\r\n\u{1A}\n" : "ni2\0\r\n\u{1A}\n").utf8)
            for (i, b) in magic.prefix(8).enumerated() { h[4 + i] = b }
            put(Int16(truncatingIfNeeded: datatype), 12)
            put(Int16(truncatingIfNeeded: bitpix), 14)
            for i in 0..<8 { put(dim[i], 16 + 8 * i) }
            for i in 0..<8 { f64(pixdim[i], 104 + 8 * i) }
            put(Int64(offset), 168)
            f64(sclSlope, 176)
            f64(sclInter, 184)
            text(descrip, 240, 80)
            put(qformCode, 344)
            put(sformCode, 348)
            for i in 0..<3 { f64(quatern[i], 352 + 8 * i) }
            for i in 0..<3 { f64(qoffset[i], 376 + 8 * i) }
            for r in 0..<3 { for c in 0..<4 { f64(srow[r][c], 400 + 32 * r + 8 * c) } }
            put(Int32(xyztUnits), 500)
            text(intentName, 508, 16)
        }
        return h
    }

    /// Writes a single-file `.nii` or `.nii.gz` (by the path's extension).
    public func write(_ values: [Double], to path: String) throws {
        let bytes = headerBytes(singleFile: true) + Self.encode(values, datatype: datatype, bigEndian: bigEndian)
        try Self.writeBytes(bytes, to: path)
    }

    /// Writes a `.hdr`/`.img` pair.
    public func writePair(_ values: [Double], header: String, image: String) throws {
        try Self.writeBytes(Array(headerBytes(singleFile: false).prefix(version == .nifti1 ? 348 : 540)), to: header)
        try Self.writeBytes(Self.encode(values, datatype: datatype, bigEndian: bigEndian), to: image)
    }

    /// Writes raw bytes, gzip-compressed when the path ends in `.gz`.
    public static func writeBytes(_ bytes: [UInt8], to path: String) throws {
        let gz: Int32 = path.hasSuffix(".gz") ? 1 : 0
        let status = bytes.withUnsafeBytes { iqkit_write_bytes(path, gz, $0.baseAddress, $0.count) }
        if status != 0 { throw CocoaError(.fileWriteUnknown) }
    }
}
