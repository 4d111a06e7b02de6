import Foundation
import IQCore
import SparseCNN

/// A scan made ready for the CNN: its sparse tensor and what was done to it.
public struct PreparedScan {
    public var tensor: SparseTensor
    /// Voxels in the body mask on the resampled grid.
    public var bodyVoxels: Int
    /// The body's median uptake in the input's unit (the normalisation divisor).
    public var bodyMedian: Double
    /// The resampled grid's voxel size in mm.
    public var spacingMM: SIMD3<Double>
    /// The scan's own voxel size in mm, before resampling.
    public var nativeSpacingMM: SIMD3<Double>
    /// The edge image's robust spread in the body (1.4826 × MAD) over the
    /// body median, on the resampled grid: the scan's noise relative to its
    /// uptake, whatever its unit. NaN when the edge image is flat in the body.
    public var edgeNoise: Double
}

/// Makes PET scans from different scanners comparable for the classifier.
///
/// Steps, in order:
/// 1. NaN/Inf voxels count as 0.
/// 2. Resampling to isotropic `voxelSizeMM` (same field of view; trilinear,
///    nearest voxel with `resampling: "nearest"`, or band-limited with
///    `resampling: "band-limited"`, whose noise transfer does not depend on
///    where the native samples fall on the new grid; see `Resampler`),
///    so 2–4.1 mm voxels and 128–440 matrices give one grid. Resampling
///    precedes the edge image: the edge image is then computed at the same
///    voxel size for every scanner, and memory and time stay small for
///    2 mm whole-body grids.
/// 3. Body mask (`BodyMask`): threshold at a fraction of the body's own
///    uptake, largest component, holes filled.
/// 4. Normalisation "body-median": the image and the edge image are divided
///    by the median inside the mask, so Bq/mL and SUV (any unit that is a
///    constant multiple of activity) give identical input.
/// 5. Edge image `E = G_fwhm(I) − I` (IQCore `EdgeImage`, 6 mm default).
/// 6. Active sites = mask voxels (every `activeStride`-th along each axis,
///    coordinates divided by the stride); features in the order of
///    `features`: "edge" (normalised E), "intensity" (normalised I),
///    "native-voxel" (the scan's own voxel size before resampling: the cube
///    root of its voxel volume divided by `voxelSizeMM`, the same at every
///    site; recovery depends on it, and resampling would otherwise hide it),
///    "native-max" (the hottest native voxel inside each network voxel,
///    `Resampler.maxPool`, normalised like I: what a phantom's RCmax reads
///    on the scan's own grid), "edge-noise" (the edge image's robust spread
///    over the body median × `edgeNoiseScale`, the same at every site: how
///    noisy the scan is, which the network otherwise reads only from
///    texture, and which it confuses with sharpness), each clamped to
///    ±`featureClamp` so a full bladder cannot dominate.
public struct ScanPreprocessor: Sendable {
    public static let supportedFeatures: Set<String> = ["edge", "edge-relative", "intensity", "native-voxel", "native-max", "edge-noise"]
    /// "edge-noise" is the edge image's robust spread over the body median
    /// times this factor, so that it is of order 1 like the other channels
    /// (a spread of 3–10 % of the median becomes 0.3–1).
    public static let edgeNoiseScale: Float = 10
    /// "body-median": image and edge divided by the body's median uptake.
    /// "body-median-edge-mad": the image as above, the edge image divided by
    /// its own robust spread in the body (1.4826 × median absolute deviation),
    /// so the edge feature is in units of the scan's noise and the network
    /// need not learn to divide by the noise level.
    public static let normalisations: Set<String> = ["body-median", "body-median-edge-mad"]
    /// Resampling methods (`InputSpecification.resampling`).
    public static let resamplings: Set<String> = ["trilinear", "nearest", "band-limited"]
    /// Bound on normalised feature values (body median = 1).
    public static let featureClamp: Float = 20

    public let input: InputSpecification

    /// - Throws: `InputError.invalidSetting` for a specification this code cannot produce.
    public init(input: InputSpecification) throws {
        guard Self.normalisations.contains(input.normalisation) else {
            throw InputError.invalidSetting(
                name: "normalisation", problem: "unknown normalisation \"\(input.normalisation)\" (known: \(Self.normalisations.sorted().joined(separator: ", ")))")
        }
        guard Self.resamplings.contains(input.resampling) else {
            throw InputError.invalidSetting(
                name: "resampling", problem: "unknown resampling \"\(input.resampling)\" (known: \(Self.resamplings.sorted().joined(separator: ", ")))")
        }
        for f in input.features where !Self.supportedFeatures.contains(f) {
            throw InputError.invalidSetting(name: "features", problem: "unknown feature \"\(f)\" (known: \(Self.supportedFeatures.sorted().joined(separator: ", ")))")
        }
        guard input.voxelSizeMM.isFinite, input.voxelSizeMM > 0, input.activeStride >= 1, !input.features.isEmpty else {
            throw InputError.invalidSetting(name: "input", problem: "voxel size must be > 0 mm, stride ≥ 1, at least one feature")
        }
        self.input = input
    }

    /// The default specification of iqkit's EARL models.
    public static let defaultInput = InputSpecification(
        voxelSizeMM: 4, edgeFWHMMM: EdgeImage.defaultFWHMMM, normalisation: "body-median-edge-mad",
        features: ["edge", "edge-relative", "intensity", "native-voxel"], activeStride: 1, slabSlices: 8,
        resampling: "band-limited")

    /// - Parameter path: named in errors.
    /// - Throws: `InputError.invalidData` when no body can be found.
    public func prepare(_ scan: Volume, path: String) throws -> PreparedScan {
        // A slab (or, without slabs, eight network voxels) along every axis at least:
        // a single slice or a line of voxels is not a PET volume the networks can read.
        let extent = SIMD3(Double(scan.nx), Double(scan.ny), Double(scan.nz)) * scan.spacingMM
        let least = Double(input.slabSlices ?? 8) * input.voxelSizeMM
        guard extent.min() >= least else {
            throw InputError.invalidData(
                path: path, problem: String(format: "a %.0f×%.0f×%.0f mm field of view; the classifier reads at least %.0f mm along each axis", extent.x, extent.y, extent.z, least))
        }
        let nativeVoxel = Float(pow(scan.spacingMM.x * scan.spacingMM.y * scan.spacingMM.z, 1.0 / 3) / input.voxelSizeMM)
        let size = input.voxelSizeMM
        let target = SIMD3(repeating: size)
        // NaN/Inf voxels count as 0. The resamplers and `maxPool` read them
        // so, so only a scan already on the network grid is cleaned here (a
        // pass over the native voxels saved on every other scan).
        let resampled: Volume
        if scan.spacingMM == target {
            var cleaned = scan
            cleaned.replaceNonFinite(with: 0)
            resampled = cleaned
        } else {
            switch input.resampling {
            case "nearest": resampled = Resampler.nearest(scan, spacingMM: target)
            case "band-limited":
                guard let v = Resampler.bandLimited(scan, spacingMM: target) else {
                    throw InputError.invalidData(path: path, problem: "FFTW could not plan or allocate the resampling of a \(scan.nx)×\(scan.ny)×\(scan.nz) grid")
                }
                resampled = v
            default: resampled = Resampler.trilinear(scan, spacingMM: target)
            }
        }
        let (mask, _) = BodyMask.compute(resampled)
        let inside = zip(resampled.voxels, mask).compactMap { $1 ? $0 : nil }
        let bodyVoxels = inside.count
        guard bodyVoxels >= 27 else {
            throw InputError.invalidData(path: path, problem: "no body found (\(bodyVoxels) voxels above the body threshold): is this a PET image?")
        }
        let median = Statistics.median(inside)
        guard median > 0, median.isFinite else { throw InputError.invalidData(path: path, problem: "the body's median uptake is \(median); expected a positive activity image") }
        let scale = Float(1 / median)
        let edge = EdgeImage.compute(resampled, fwhmMM: input.edgeFWHMMM)
        var edgeScale = scale
        // The edge image's robust spread in the body (1.4826 × MAD): its
        // noise, in the input's unit. Always measured, for the model's
        // `ScanDomain`; a flat edge image is refused only where an input
        // feature divides by it.
        let insideEdge = zip(edge.voxels, mask).compactMap { $1 ? $0 : nil }
        let centre = Statistics.median(insideEdge)
        let mad = 1.4826 * Statistics.median(insideEdge.map { abs($0 - Float(centre)) })
        let edgeSpread = mad > 0 && mad.isFinite ? mad : .nan
        if input.normalisation == "body-median-edge-mad" || input.features.contains("edge-noise") {
            guard edgeSpread.isFinite else { throw InputError.invalidData(path: path, problem: "the edge image is flat inside the body (MAD \(mad))") }
        }
        if input.normalisation == "body-median-edge-mad" { edgeScale = Float(1 / edgeSpread) }
        // The noise relative to the uptake: `PreparedScan.edgeNoise`, and, scaled, the "edge-noise" feature.
        let relativeNoise = edgeSpread / median
        let edgeNoise = Float(relativeNoise) * Self.edgeNoiseScale
        // The hottest native voxel in each network voxel (an RCmax-like
        // reading of the native grid), only when asked for.
        let nativeMax: [Float]? = input.features.contains("native-max") ? Resampler.maxPool(scan, spacingMM: target).voxels : nil
        let stride = input.activeStride
        let (nx, ny, nz) = (resampled.nx, resampled.ny, resampled.nz)
        var coordinates: [SIMD3<Int32>] = []
        coordinates.reserveCapacity(bodyVoxels / (stride * stride * stride) + 1)
        var features: [Float] = []
        features.reserveCapacity(coordinates.capacity * input.features.count)
        let clamp = Self.featureClamp
        // Feature names resolved once, not per voxel.
        enum Feature { case edge, edgeRelative, nativeVoxel, nativeMax, edgeNoise, intensity }
        let kinds: [Feature] = input.features.map {
            switch $0 {
            case "edge": .edge
            case "edge-relative": .edgeRelative
            case "native-voxel": .nativeVoxel
            case "native-max": .nativeMax
            case "edge-noise": .edgeNoise
            default: .intensity
            }
        }
        for z in Swift.stride(from: 0, to: nz, by: stride) {
            for y in Swift.stride(from: 0, to: ny, by: stride) {
                for x in Swift.stride(from: 0, to: nx, by: stride) {
                    let i = x + nx * (y + ny * z)
                    guard mask[i] else { continue }
                    coordinates.append(SIMD3(Int32(x / stride), Int32(y / stride), Int32(z / stride)))
                    for kind in kinds {
                        let v: Float
                        switch kind {
                        case .edge: v = edge.voxels[i] * edgeScale
                        case .edgeRelative: v = edge.voxels[i] * scale
                        case .nativeVoxel: v = nativeVoxel
                        case .nativeMax: v = nativeMax![i] * scale
                        case .edgeNoise: v = edgeNoise
                        case .intensity: v = resampled.voxels[i] * scale
                        }
                        features.append(min(max(v, -clamp), clamp))
                    }
                }
            }
        }
        let tensor = SparseTensor(sites: ActiveSet(coordinates: coordinates), channels: input.features.count, features: features)
        return PreparedScan(
            tensor: tensor, bodyVoxels: bodyVoxels, bodyMedian: median, spacingMM: resampled.spacingMM, nativeSpacingMM: scan.spacingMM,
            edgeNoise: relativeNoise)
    }
}
