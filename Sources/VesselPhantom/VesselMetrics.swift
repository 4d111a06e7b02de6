import Foundation
import IQCore

/// MPV, IQR and voxel count of one radius bin.
public struct RadiusBinResult: Codable, Sendable, Equatable {
    /// Bin centre and edges in mm.
    public var radiusMM: Double
    public var lowerMM: Double
    public var upperMM: Double
    /// Median HU of the centreline voxels in the bin (NaN when empty):
    /// radii, as in Zhai et al. 2019, are read on the centreline, and there
    /// the value is the material's, not a partial-volume mix with air.
    public var mpvHU: Double
    /// Inter-quartile range of the same voxels' HU (type-7 quantiles), a noise measure.
    public var iqrHU: Double
    /// Vessel voxels whose local radius falls in the bin (their volume is the bin's share of the tree).
    public var voxels: Int
    /// Centreline voxels in the bin, the sample of MPV and IQR.
    public var centrelineVoxels: Int
}

/// Agreement with a ground truth, per radius bin.
public struct TruthBinResult: Codable, Sendable, Equatable {
    public var radiusMM: Double
    /// Truth centreline voxels whose true radius is in the bin.
    public var centrelineVoxels: Int
    /// Fraction of them inside the detected mask (centreline recall).
    public var detectionRate: Double
    /// Median of detected − true radius over truth-vessel voxels of this bin
    /// that were detected, in mm (NaN when none).
    public var medianRadiusErrorMM: Double
}

public struct TruthEvaluation: Codable, Sendable, Equatable {
    public var truthVolumeML: Double
    public var dice: Double
    /// Detected volume outside the truth mask, in mL.
    public var falsePositiveML: Double
    public var bins: [TruthBinResult]
}

/// Everything measured on one segmented acquisition.
public struct VesselMeasurement: Sendable {
    public var volumeML: Double
    public var bins: [RadiusBinResult]
    public var radiusMM: [Float]
    public var centreline: [Bool]
}

public enum VesselMetrics {
    /// Per-radius MPV/IQR and total volume of a segmentation.
    public static func measure(_ volume: Volume, mask: [Bool], settings: AnalysisSettings) -> VesselMeasurement {
        let (radius, centre) = RadiusMap.compute(
            mask: mask, nx: volume.nx, ny: volume.ny, nz: volume.nz, spacingMM: volume.spacingMM, image: volume.voxels,
            thresholdHU: settings.segmenter.thresholdHU)
        let w = settings.binHalfWidthMM
        var values = [[Float]](repeating: [], count: settings.radiusBinsMM.count)
        var counts = [Int](repeating: 0, count: settings.radiusBinsMM.count)
        var total = 0
        for i in 0..<mask.count where mask[i] {
            total += 1
            let r = Double(radius[i])
            for (b, c) in settings.radiusBinsMM.enumerated() where r >= c - w && r < c + w {
                counts[b] += 1
                if centre[i] { values[b].append(volume.voxels[i]) }
            }
        }
        let bins = settings.radiusBinsMM.enumerated().map { b, c in
            let q = Statistics.quantiles(values[b], [0.25, 0.5, 0.75])
            return RadiusBinResult(radiusMM: c, lowerMM: c - w, upperMM: c + w, mpvHU: q[1], iqrHU: q[2] - q[0], voxels: counts[b], centrelineVoxels: values[b].count)
        }
        return VesselMeasurement(volumeML: Double(total) * volume.voxelVolumeML, bins: bins, radiusMM: radius, centreline: centre)
    }

    /// Compares a segmentation with a truth mask (voxels > 0.5 are vessel),
    /// truth radius map (mm) and optional truth centreline (voxels > 0 are
    /// centreline; their value is the true radius in mm).
    public static func evaluate(
        mask: [Bool], radiusMM: [Float], truthMask: Volume, truthRadius: Volume, truthCentreline: Volume?, settings: AnalysisSettings
    ) -> TruthEvaluation {
        let n = mask.count
        var tp = 0, fp = 0, truthCount = 0
        let w = settings.binHalfWidthMM
        var errors = [[Float]](repeating: [], count: settings.radiusBinsMM.count)
        for i in 0..<n {
            let t = truthMask.voxels[i] > 0.5
            if t { truthCount += 1 }
            if mask[i] && t { tp += 1 }
            if mask[i] && !t { fp += 1 }
            if mask[i] && t {
                let r = Double(truthRadius.voxels[i])
                for (b, c) in settings.radiusBinsMM.enumerated() where r >= c - w && r < c + w {
                    errors[b].append(radiusMM[i] - Float(r))
                }
            }
        }
        let detected = mask.reduce(0) { $0 + ($1 ? 1 : 0) }
        var bins: [TruthBinResult] = []
        for (b, c) in settings.radiusBinsMM.enumerated() {
            var total = 0, hit = 0
            if let line = truthCentreline {
                for i in 0..<n where line.voxels[i] > 0 {
                    let r = Double(line.voxels[i])
                    if r >= c - w && r < c + w {
                        total += 1
                        if mask[i] { hit += 1 }
                    }
                }
            }
            bins.append(
                TruthBinResult(
                    radiusMM: c, centrelineVoxels: total, detectionRate: total > 0 ? Double(hit) / Double(total) : .nan,
                    medianRadiusErrorMM: Statistics.median(errors[b])))
        }
        let voxelML = truthMask.voxelVolumeML
        let dice = (detected + truthCount) > 0 ? 2 * Double(tp) / Double(detected + truthCount) : .nan
        return TruthEvaluation(truthVolumeML: Double(truthCount) * voxelML, dice: dice, falsePositiveML: Double(fp) * voxelML, bins: bins)
    }
}
