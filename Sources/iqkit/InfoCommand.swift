import ArgumentParser
import Foundation
import IQCore

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Describe a NIfTI image: grid, spacing, datatype, orientation, values.")

    @Argument(help: "A .nii, .nii.gz or .hdr/.img image.")
    var file: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var read: ReadOptions

    func run() throws {
        let loaded = try NIfTIReader.read(file, options: read.nifti)
        let report = ImageInfo(loaded)
        if json {
            let data = try ResultJSON.encoder().encode(report)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(report.text)
        }
    }
}

/// What `iqkit info` reports.
struct ImageInfo: Codable {
    var path: String
    var niftiVersion: Int
    var datatype: String
    var storedDimensions: [Int64]
    var frame: Int?
    var dimensions: [Int]
    var spacingMM: [Double]
    var spatialUnitInFile: String
    var unit: String?
    var descrip: String
    var qformCode: Int32
    var sformCode: Int32
    var affineMM: [[Double]]
    var sclSlope: Double
    var sclInter: Double
    var min: Double?
    var max: Double?
    var mean: Double?
    var nonFiniteVoxels: Int

    init(_ loaded: LoadedVolume) {
        let v = loaded.volume
        let s = loaded.source
        path = s.path
        niftiVersion = s.version
        datatype = s.datatype
        storedDimensions = s.storedDimensions
        frame = s.frame
        dimensions = [v.nx, v.ny, v.nz]
        spacingMM = [v.spacingMM.x, v.spacingMM.y, v.spacingMM.z]
        spatialUnitInFile = s.spatialUnit
        unit = v.unit
        descrip = v.descrip
        qformCode = v.geometry.qformCode
        sformCode = v.geometry.sformCode
        affineMM = v.geometry.affine(spacingMM: v.spacingMM)
        sclSlope = s.sclSlope
        sclInter = s.sclInter
        let range = v.finiteRange
        min = range.map { Double($0.lowerBound) }
        max = range.map { Double($0.upperBound) }
        var sum = 0.0, finite = 0
        for x in v.voxels where x.isFinite {
            sum += Double(x)
            finite += 1
        }
        mean = finite == 0 ? nil : sum / Double(finite)
        nonFiniteVoxels = s.nonFiniteVoxels
    }

    var text: String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.6g", $0) } ?? "n/a" }
        var lines = [
            "file:        \(path)",
            "format:      NIfTI-\(niftiVersion), \(datatype)",
            "stored dims: \(storedDimensions.map(String.init).joined(separator: " × "))" + (frame.map { " (frame \($0))" } ?? ""),
            "grid:        \(dimensions.map(String.init).joined(separator: " × ")) voxels",
            "spacing:     \(spacingMM.map { String(format: "%.4g", $0) }.joined(separator: " × ")) mm (file unit: \(spatialUnitInFile))",
            "unit:        \(unit ?? "not stated")",
            "orientation: qform_code \(qformCode), sform_code \(sformCode)",
        ]
        for row in affineMM.prefix(3) {
            lines.append("             [" + row.map { String(format: "%9.3f", $0) }.joined(separator: " ") + "]")
        }
        lines.append("scaling:     slope \(f(sclSlope)), intercept \(f(sclInter))")
        lines.append("values:      min \(f(min)), max \(f(max)), mean \(f(mean))")
        lines.append("non-finite:  \(nonFiniteVoxels) voxels")
        if !descrip.isEmpty { lines.append("descrip:     \(descrip)") }
        return lines.joined(separator: "\n")
    }
}
