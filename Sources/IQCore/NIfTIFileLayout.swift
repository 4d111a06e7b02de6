import Foundation

/// The file(s) a NIfTI path refers to: one `.nii[.gz]`, or a `.hdr[.gz]`
/// header with its `.img[.gz]` image.
public struct NIfTIFileLayout: Sendable, Equatable {
    public let headerPath: String
    public let imagePath: String
    public let compressed: Bool

    public var isPair: Bool { headerPath != imagePath }

    /// Works out the layout from a path's extension.
    /// - Throws: `InputError.notNIfTI` for an extension that is none of
    ///   `.nii`, `.nii.gz`, `.hdr`, `.hdr.gz`, `.img`, `.img.gz`.
    public init(path: String) throws {
        let lower = path.lowercased()
        func swapExt(_ from: String, _ to: String) -> String {
            String(path.dropLast(from.count)) + (path.hasSuffix(from.uppercased()) ? to.uppercased() : to)
        }
        if lower.hasSuffix(".nii.gz") || lower.hasSuffix(".nii") {
            headerPath = path
            imagePath = path
            compressed = lower.hasSuffix(".gz")
        } else if lower.hasSuffix(".hdr") || lower.hasSuffix(".hdr.gz") {
            compressed = lower.hasSuffix(".gz")
            headerPath = path
            imagePath = compressed ? swapExt(".hdr.gz", ".img.gz") : swapExt(".hdr", ".img")
        } else if lower.hasSuffix(".img") || lower.hasSuffix(".img.gz") {
            compressed = lower.hasSuffix(".gz")
            imagePath = path
            headerPath = compressed ? swapExt(".img.gz", ".hdr.gz") : swapExt(".img", ".hdr")
        } else {
            throw InputError.notNIfTI(path: path, reason: "extension is not .nii, .nii.gz, .hdr or .img")
        }
    }
}
