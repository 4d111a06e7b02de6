import Foundation

/// Writes volumes as NIfTI with their geometry, atomically: Float32, or
/// signed 16-bit integers (as CT scanners store HU).
public enum NIfTIWriter {
    /// How voxels are stored.
    public enum Storage: Sendable {
        /// Float32, exact.
        case float32
        /// Int16 (slope 1, intercept 0): values rounded to the nearest
        /// integer and clamped to −32768…32767; non-finite values are refused.
        case int16

        var datatype: NIfTIDatatype { self == .float32 ? .float32 : .int16 }
        var bytesPerVoxel: Int { self == .float32 ? 4 : 2 }
    }

    /// Writes `volume` to `path` (`.nii`, `.nii.gz`, `.hdr` or `.hdr.gz`;
    /// a `.hdr` also writes its `.img`).
    /// - Parameter version: NIfTI-1 unless a dimension exceeds 32767, where
    ///   NIfTI-2 is needed; pass `.nifti2` to force it.
    /// - Throws: `InputError.cannotWrite` when the file cannot be written or
    ///   does not read back; the old file, if any, is then left untouched.
    /// - Parameter storage: Float32 (default) or Int16.
    /// - Parameter compressionLevel: gzip level 1 (fastest) … 9 for `.gz` names.
    public static func write(
        _ volume: Volume, to path: String, version: NIfTIHeader.Version? = nil, storage: Storage = .float32, compressionLevel: Int = 6
    ) throws {
        let layout = try NIfTIFileLayout(path: path)
        if layout.imagePath == path && layout.isPair {
            throw InputError.cannotWrite(path: path, problem: "name the .hdr file of a .hdr/.img pair")
        }
        try AtomicOutput.requireParentFolder(path)
        let needsTwo = max(volume.nx, volume.ny, volume.nz) > Int(Int16.max)
        let chosen = version ?? (needsTwo ? .nifti2 : .nifti1)
        if chosen == .nifti1 && needsTwo {
            throw InputError.cannotWrite(path: path, problem: "a dimension exceeds 32767; NIfTI-1 cannot store it")
        }
        if storage == .int16, let bad = volume.voxels.firstIndex(where: { !$0.isFinite }) {
            throw InputError.cannotWrite(path: path, problem: "voxel \(bad) is not finite; Int16 storage cannot hold it")
        }
        let lower = path.lowercased()
        let ext = [".nii.gz", ".hdr.gz", ".nii", ".hdr"].first { lower.hasSuffix($0) } ?? ".nii"
        let tempHeader = AtomicOutput.temporaryPath(for: path, extension: ext)
        let tempLayout = try NIfTIFileLayout(path: tempHeader)
        func cleanUp() {
            try? FileManager.default.removeItem(atPath: tempLayout.headerPath)
            if tempLayout.isPair { try? FileManager.default.removeItem(atPath: tempLayout.imagePath) }
        }
        do {
            try NIfTILibrary.write(
                volume, headerPath: tempLayout.headerPath, imagePath: layout.isPair ? tempLayout.imagePath : nil,
                compressed: layout.compressed, version: chosen, datatype: storage.datatype,
                compressionLevel: Int32(max(1, min(9, compressionLevel))))
            try verify(tempLayout, volume: volume, bytesPerVoxel: storage.bytesPerVoxel, path: path)
            if layout.isPair { try AtomicOutput.commit(tempLayout.imagePath, to: layout.imagePath) }
            try AtomicOutput.commit(tempLayout.headerPath, to: layout.headerPath)
        } catch {
            cleanUp()
            throw error
        }
    }

    /// Reads back the header (and checks the size of an uncompressed image)
    /// because nifticlib's writer reports no errors.
    private static func verify(_ layout: NIfTIFileLayout, volume: Volume, bytesPerVoxel: Int, path: String) throws {
        guard let prefix = try? NIfTILibrary.readPrefix(layout.headerPath, compressed: layout.compressed, count: NIfTIHeader.nifti2Size),
            let header = try? NIfTIHeader.decode(prefix, path: path),
            header.dim[1] == volume.nx, header.dim[2] == volume.ny, header.dim[3] == volume.nz
        else {
            throw InputError.cannotWrite(path: path, problem: "the written header does not read back (disk full?)")
        }
        if !layout.compressed {
            let size = (try? FileManager.default.attributesOfItem(atPath: layout.imagePath)[.size] as? NSNumber)?.int64Value ?? 0
            if size < Int64(header.voxOffset) + Int64(volume.count * bytesPerVoxel) {
                throw InputError.cannotWrite(path: path, problem: "the written image is short (disk full?)")
            }
        }
    }
}
