import Foundation

/// What the validator decided can be read, and how.
struct NIfTIReadPlan {
    var dims: SIMD3<Int>
    var frame: Int?
    var voxelsPerFrame: Int
    var spacingMM: SIMD3<Double>
    var geometry: VolumeGeometry
    var spatialUnitName: String
    /// Byte offset of the first voxel in the image file.
    var voxOffset: Int64
}

/// Judges a decoded header before anything large is allocated.
enum NIfTIHeaderValidator {
    /// NIfTI `xyzt_units` spatial codes and their size in mm.
    static func spatialUnit(_ code: Int32) -> (name: String, mm: Double) {
        switch code & 0x07 {
        case 1: return ("m", 1000)
        case 3: return ("um", 0.001)
        case 2: return ("mm", 1)
        default: return ("unknown (taken as mm)", 1)
        }
    }

    static func validate(_ h: NIfTIHeader, layout: NIfTIFileLayout, path: String, options: NIfTIReadOptions) throws -> NIfTIReadPlan {
        func bad(_ field: String, _ problem: String) -> InputError { .invalidHeader(path: path, field: field, problem: problem) }

        // Dimensions.
        let ndim = h.dim[0]
        guard (1...7).contains(ndim) else { throw bad("dim[0]", "is \(ndim); must be 1 to 7") }
        var dims = [Int64](repeating: 1, count: 8)
        for axis in 1...Int(ndim) {
            let n = h.dim[axis]
            guard n >= 1 else { throw bad("dim[\(axis)]", "is \(n); must be positive") }
            dims[axis] = n
        }
        for axis in 5...7 where dims[axis] > 1 {
            throw InputError.unsupported(path: path, problem: "\(ndim)D image (dim[\(axis)] = \(dims[axis])); iqkit reads 3D volumes and single frames of 4D series")
        }
        var total: Int64 = 1
        for axis in 1...4 {
            let (product, overflow) = total.multipliedReportingOverflow(by: dims[axis])
            guard !overflow else { throw bad("dim", "product overflows 64 bits (\(dims[1...4].map(String.init).joined(separator: "×")))") }
            total = product
        }
        if total > options.maxVoxels {
            throw InputError.overBudget(path: path, voxels: total, budget: options.maxVoxels)
        }
        let frames = Int(dims[4])
        var frame = options.frame
        if frames > 1 {
            guard let chosen = frame else {
                throw InputError.unsupported(path: path, problem: "4D image with \(frames) frames; choose one with --frame 0…\(frames - 1)")
            }
            guard (0..<frames).contains(chosen) else {
                throw InputError.invalidSetting(name: "--frame", problem: "frame \(chosen) is outside 0…\(frames - 1) of \(path)")
            }
        } else if let chosen = frame, chosen != 0 {
            throw InputError.invalidSetting(name: "--frame", problem: "frame \(chosen) requested but \(path) has a single frame")
        } else {
            frame = nil
        }

        // Datatype.
        guard let bytesPerVoxel = h.datatype.bytesPerVoxel else {
            throw bad("datatype", "is \(h.datatype.rawValue), not a NIfTI datatype code")
        }
        guard h.datatype.isReadable else {
            throw InputError.unsupported(path: path, problem: "datatype \(h.datatype) (iqkit reads real scalar types up to 64 bits)")
        }

        // Spacing.
        let unit = spatialUnit(h.xyztUnits)
        var spacing = SIMD3<Double>(1, 1, 1)
        for axis in 1...3 {
            let p = h.pixdim[axis]
            if axis <= ndim {
                guard p.isFinite else { throw bad("pixdim[\(axis)]", "is \(p); voxel spacing must be finite") }
                guard p > 0 else { throw bad("pixdim[\(axis)]", "is \(p); voxel spacing must be positive") }
                spacing[axis - 1] = p * unit.mm
            } else if p.isFinite && p > 0 {
                spacing[axis - 1] = p * unit.mm
            }
        }

        // Scaling.
        guard h.sclSlope.isFinite else { throw bad("scl_slope", "is \(h.sclSlope); must be finite (0 means no scaling)") }
        if h.sclSlope != 0 {
            guard h.sclInter.isFinite else { throw bad("scl_inter", "is \(h.sclInter); must be finite") }
        }

        // Orientation.
        if h.qformCode > 0 {
            guard (h.quatern + h.qoffset).allSatisfy({ $0.isFinite }) else { throw bad("qform", "has non-finite quaternion or offset") }
        }
        if h.sformCode > 0 {
            guard h.srow.joined().allSatisfy({ $0.isFinite }) else { throw bad("sform", "has non-finite srow values") }
        }

        // Where the voxel data lies.
        let headerBytes = h.version == .nifti1 ? 348 : 540
        guard h.voxOffset.isFinite, h.voxOffset >= 0, h.voxOffset < 9.0e15 else {
            throw bad("vox_offset", "is \(h.voxOffset); must be a non-negative byte offset")
        }
        let voxOffset = Int64(h.voxOffset)
        if layout.isPair == false && voxOffset < Int64(headerBytes) {
            throw bad("vox_offset", "is \(voxOffset); a single-file NIfTI-\(h.version.rawValue) keeps its data after byte \(headerBytes)")
        }
        let (dataBytes, overflow) = total.multipliedReportingOverflow(by: Int64(bytesPerVoxel))
        guard !overflow else { throw bad("dim", "data size overflows 64 bits") }
        if layout.isPair && !FileManager.default.fileExists(atPath: layout.imagePath) {
            throw InputError.missingCompanion(path: path, companion: layout.imagePath)
        }
        if !layout.compressed {
            let imageSize = try FileChecks.requireReadableFile(layout.imagePath)
            if voxOffset > imageSize {
                throw bad("vox_offset", "is \(voxOffset), past the end of the \(imageSize)-byte file")
            }
            if voxOffset + dataBytes > imageSize {
                throw InputError.truncatedData(
                    path: path, problem: "header promises \(dataBytes) bytes of \(h.datatype) after offset \(voxOffset) but the file has \(imageSize - voxOffset)")
            }
        } else if layout.isPair {
            try FileChecks.requireReadableFile(layout.imagePath)
        }

        let q = h.pixdim[0] < 0 ? -1.0 : 1.0
        let geometry = VolumeGeometry(
            qformCode: h.qformCode, quatern: h.quatern, qoffsetMM: h.qoffset.map { $0 * unit.mm }, qfac: q,
            sformCode: h.sformCode, srowMM: h.srow.map { $0.map { $0 * unit.mm } })
        let dims3 = SIMD3(Int(dims[1]), Int(dims[2]), Int(dims[3]))
        return NIfTIReadPlan(
            dims: dims3, frame: frames > 1 ? frame : nil, voxelsPerFrame: dims3.x * dims3.y * dims3.z,
            spacingMM: spacing, geometry: geometry, spatialUnitName: unit.name, voxOffset: voxOffset)
    }
}
