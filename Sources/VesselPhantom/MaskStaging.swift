import Foundation
import IQCore

/// The segmentation masks of a series run: written into a hidden staging
/// folder inside the masks folder while the acquisitions are analysed, and
/// renamed into place only when all of them succeeded, so that a failed run
/// leaves no masks (and no folder it created) behind.
struct MaskStaging: Sendable {
    let folder: StagedFolder
    let names: [String]

    init(folder path: String, manifest: SeriesManifest) throws {
        names = manifest.acquisitions.enumerated().map { k, acq in SeriesAnalysis.maskFileName(index: k, path: acq.path) }
        let inputs = [manifest.path] + Set(manifest.acquisitions.flatMap { [$0.resolvedPath, $0.truthMask, $0.truthRadius, $0.truthCentreline].compactMap { $0 } }).sorted()
        // Paths are compared standardised, so a trailing slash on the folder does not matter here.
        for name in names { try FileChecks.requireDistinct(output: path + "/" + name, inputs: inputs) }
        folder = try StagedFolder(path)
    }

    func stagedPath(_ k: Int) -> String { folder.stagedPath(names[k]) }
    func finalPath(_ k: Int) -> String { folder.folder + "/" + names[k] }

    /// Moves every mask into the folder (each rename is atomic) and removes the staging folder.
    func commit() throws { try folder.commit() }

    /// Removes the staged masks, and the folder when this run created it and it is empty.
    func discard() { folder.discard() }
}

extension SeriesAnalysis {
    /// `003-FBP-ctdi4.0_rep1-mask.nii.gz` for the third acquisition, at
    /// `FBP/ctdi4.0_rep1.nii.gz`: unique (the index), recognisable (the
    /// path) and flat (the manifest's folders are not recreated).
    public static func maskFileName(index: Int, path: String) -> String {
        var stem = path
        for ext in [".nii.gz", ".nii", ".hdr.gz", ".hdr"] where stem.lowercased().hasSuffix(ext) {
            stem = String(stem.dropLast(ext.count))
            break
        }
        let cleaned = String(stem.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_") ? $0 : "-" }.suffix(60))
        return String(format: "%03d-", index + 1) + (cleaned.isEmpty ? "acquisition" : cleaned) + "-mask.nii.gz"
    }
}
