import Foundation

/// Options for reading a NIfTI file.
public struct NIfTIReadOptions: Sendable {
    /// Default voxel budget: 2^29 voxels (2 GiB as Float32), enough for a
    /// 512×512×2000 CT and far below the machine's memory.
    public static let defaultMaxVoxels: Int64 = 1 << 29

    /// The 0-based frame (NIfTI dim[4] index) to take from a 4D file. A 4D
    /// file with more than one frame is refused when this is nil.
    public var frame: Int?
    /// Volumes with more voxels (of the whole file, all frames) are refused
    /// before any voxel memory is allocated.
    public var maxVoxels: Int64

    public init(frame: Int? = nil, maxVoxels: Int64? = nil) {
        self.frame = frame
        self.maxVoxels = maxVoxels ?? NIfTIReadOptions.environmentMaxVoxels ?? NIfTIReadOptions.defaultMaxVoxels
    }

    /// The budget from the `IQKIT_MAX_VOXELS` environment variable, if set and valid.
    public static var environmentMaxVoxels: Int64? {
        guard let text = ProcessInfo.processInfo.environment["IQKIT_MAX_VOXELS"], let value = Int64(text), value > 0 else {
            return nil
        }
        return value
    }
}

/// What was found in a file besides the volume itself.
public struct NIfTISourceInfo: Sendable, Codable, Equatable {
    public var path: String
    public var version: Int
    public var datatype: String
    /// dim[1...dim[0]] as stored (all dimensions, including time).
    public var storedDimensions: [Int64]
    public var frame: Int?
    public var sclSlope: Double
    public var sclInter: Double
    public var byteSwapped: Bool
    /// NaN or infinite voxels after scaling.
    public var nonFiniteVoxels: Int
    /// Spatial unit code of the file before conversion to mm.
    public var spatialUnit: String
}

/// A volume read from disk with the facts about its file.
public struct LoadedVolume: Sendable {
    public var volume: Volume
    public var source: NIfTISourceInfo
}

/// Reads NIfTI-1 and NIfTI-2 images (`.nii`, `.nii.gz`, `.hdr/.img`).
///
/// The header is decoded and validated in Swift first, so that a malformed
/// or oversized file is refused with a precise message before any voxel
/// memory is allocated; nifticlib then reads the voxel data.
public enum NIfTIReader {
    /// Reads and validates the header only.
    public static func readHeader(_ path: String) throws -> (NIfTIHeader, NIfTIFileLayout) {
        let layout = try NIfTIFileLayout(path: path)
        try FileChecks.requireReadableFile(layout.headerPath)
        let prefix = try NIfTILibrary.readPrefix(layout.headerPath, compressed: layout.compressed, count: NIfTIHeader.nifti2Size)
        return (try NIfTIHeader.decode(prefix, path: path), layout)
    }

    /// A file's voxel size in mm, from its validated header (no voxels read).
    /// - Throws: `InputError` for a file `read` would refuse on its header.
    public static func spacingMM(_ path: String, options: NIfTIReadOptions = NIfTIReadOptions()) throws -> SIMD3<Double> {
        let (header, layout) = try readHeader(path)
        return try NIfTIHeaderValidator.validate(header, layout: layout, path: path, options: options).spacingMM
    }

    /// Reads one volume.
    /// - Throws: `InputError` naming the file and the problem.
    public static func read(_ path: String, options: NIfTIReadOptions = NIfTIReadOptions()) throws -> LoadedVolume {
        let (header, layout) = try readHeader(path)
        let plan = try NIfTIHeaderValidator.validate(header, layout: layout, path: path, options: options)
        var voxels = try readVoxels(header: header, layout: layout, plan: plan, path: path)
        let slope = header.sclSlope
        if slope != 0 && (slope != 1 || header.sclInter != 0) {
            let s = Float(slope)
            let b = Float(header.sclInter)
            for i in voxels.indices { voxels[i] = voxels[i] * s + b }
        }
        let unit = header.intentName.trimmingCharacters(in: .whitespaces)
        let volume = Volume(
            nx: plan.dims.x, ny: plan.dims.y, nz: plan.dims.z, spacingMM: plan.spacingMM, voxels: voxels,
            geometry: plan.geometry, unit: unit.isEmpty ? nil : unit, descrip: header.descrip)
        let info = NIfTISourceInfo(
            path: path, version: header.version.rawValue, datatype: header.datatype.description,
            storedDimensions: Array(header.dim[1...Int(header.dim[0])]), frame: plan.frame,
            sclSlope: header.sclSlope, sclInter: header.sclInter, byteSwapped: header.byteSwapped,
            nonFiniteVoxels: volume.nonFiniteCount, spatialUnit: plan.spatialUnitName)
        return LoadedVolume(volume: volume, source: info)
    }

    /// Reads the plan's voxels (one frame for 4D) and converts them to Float32.
    private static func readVoxels(header: NIfTIHeader, layout: NIfTIFileLayout, plan: NIfTIReadPlan, path: String) throws -> [Float] {
        let bytesPerVoxel = header.datatype.bytesPerVoxel ?? 0
        let byteCount = plan.voxelsPerFrame * bytesPerVoxel
        let offset = plan.voxOffset + Int64(plan.frame ?? 0) * Int64(byteCount)
        func check(_ got: Int) throws {
            if got < 0 {
                throw InputError.truncatedData(path: path, problem: "cannot reach byte \(offset) of \(layout.imagePath)")
            }
            if got < byteCount {
                throw InputError.truncatedData(path: path, problem: "expected \(byteCount) bytes of \(header.datatype) voxels, the file ends after \(got)")
            }
        }
        if header.datatype == .float32, !header.byteSwapped {
            // Host-order Float32, the common case: the bytes land in the
            // array itself, without a second buffer of the scan's size.
            var got = 0
            let voxels = [Float](unsafeUninitializedCapacity: plan.voxelsPerFrame) { out, initialized in
                got = NIfTILibrary.readBytes(layout.imagePath, compressed: layout.compressed, offset: offset, into: UnsafeMutableRawBufferPointer(out))
                let filled = max(0, got) / MemoryLayout<Float>.stride
                if filled < out.count { out.baseAddress!.advanced(by: filled).initialize(repeating: 0, count: out.count - filled) }
                initialized = out.count
            }
            try check(got)
            return voxels
        }
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: byteCount, alignment: 16)
        defer { raw.deallocate() }
        try check(NIfTILibrary.readBytes(layout.imagePath, compressed: layout.compressed, offset: offset, into: raw))
        return try NIfTIVoxelConversion.toFloat32(
            UnsafeRawBufferPointer(raw), datatype: header.datatype, count: plan.voxelsPerFrame, byteSwapped: header.byteSwapped, path: path)
    }
}
