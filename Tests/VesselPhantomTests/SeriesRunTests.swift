import Foundation
import IQCore
import Simulation
import Testing
import VesselPhantom

/// How a series run behaves, on a small simulated series (2 doses × 2
/// recons × 2 repetitions of 64×56×16 voxels of 1.2 mm).
@Suite(.serialized) struct SeriesRunTests {
    static func series() throws -> SeriesManifest {
        let dir = NSTemporaryDirectory() + "iqkit-run-" + UUID().uuidString
        var series = VesselSeries()
        series.nx = 64
        series.ny = 56
        series.nz = 16
        series.voxelMM = SIMD3(repeating: 1.2)
        series.dosesMGy = [0.5, 4.0]
        series.recons = ["FBP", "iterative"]
        series.repetitions = 2
        return try SeriesManifest.read(try series.write(to: dir))
    }

    static func folder(_ manifest: SeriesManifest) -> String { URL(fileURLWithPath: manifest.path).deletingLastPathComponent().path }

    /// The JSON without the run's time stamp and mask folder (NaN-safe, unlike ==).
    static func canonical(_ result: SeriesResult) throws -> Data {
        var r = result
        r.provenance.createdAt = ""
        for k in r.acquisitions.indices { r.acquisitions[k].maskPath = r.acquisitions[k].maskPath.map { URL(fileURLWithPath: $0).lastPathComponent } }
        return try ResultJSON.encoder().encode(r)
    }

    /// Two acquisitions at a time on two cores or one at a time: the same
    /// numbers, the same JSON, byte-identical masks.
    @Test func parallelEqualsSerial() throws {
        let manifest = try Self.series()
        let dir = Self.folder(manifest)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let parallel = try SeriesAnalysis.run(manifest, options: .init(masksFolder: dir + "/masks-parallel"))
        let serial = try SeriesAnalysis.run(manifest, options: .init(masksFolder: dir + "/masks-serial", serial: true))
        #expect(parallel.acquisitions.count == 8 && parallel.summary.count == 4)
        #expect(try Self.canonical(parallel) == Self.canonical(serial))
        for (a, b) in zip(parallel.acquisitions, serial.acquisitions) {
            let pa = try #require(a.maskPath), pb = try #require(b.maskPath)
            #expect(pa.hasPrefix(dir + "/masks-parallel/") && pb.hasPrefix(dir + "/masks-serial/"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: pa)) == Data(contentsOf: URL(fileURLWithPath: pb)), "\(pa)")
            // The mask is the segmentation whose volume the result reports.
            let mask = try NIfTIReader.read(pa).volume
            let voxels = mask.voxels.reduce(0) { $0 + ($1 > 0.5 ? 1 : 0) }
            #expect(abs(Double(voxels) * mask.voxelVolumeML - a.volumeML) < 1e-9)
        }
        // Only the masks: the staging folder is gone.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/masks-parallel").sorted()
        #expect(names.count == 8 && names.allSatisfy { $0.hasSuffix("-mask.nii.gz") && !$0.hasPrefix(".") })
        #expect(names.first == "001-FBP-ctdi0.5_rep1-mask.nii.gz")
        #expect(parallel.manifest == manifest.path)
    }

    /// One unreadable acquisition: the run fails naming that file, and no
    /// mask (nor the masks folder it would have created) is left behind.
    @Test func failureLeavesNoMasks() throws {
        var manifest = try Self.series()
        let dir = Self.folder(manifest)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let broken = manifest.acquisitions[5].resolvedPath
        try Data("not a NIfTI file".utf8).write(to: URL(fileURLWithPath: broken))
        for serial in [false, true] {
            do {
                _ = try SeriesAnalysis.run(manifest, options: .init(masksFolder: dir + "/masks", serial: serial))
                Issue.record("a broken acquisition was accepted")
            } catch let error as InputError {
                #expect("\(error)".hasPrefix(broken) && !"\(error)".contains("\n"), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/masks"))
        }
        // An existing folder stays, without staged files.
        try FileManager.default.createDirectory(atPath: dir + "/kept", withIntermediateDirectories: true)
        #expect(throws: InputError.self) { _ = try SeriesAnalysis.run(manifest, options: .init(masksFolder: dir + "/kept")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/kept").isEmpty)
        // A masks "folder" that is a file is refused before any analysis.
        manifest.acquisitions = [manifest.acquisitions[0]]
        #expect(throws: InputError.cannotWrite(path: manifest.path, problem: "a file of that name exists; expected a folder")) {
            _ = try SeriesAnalysis.run(manifest, options: .init(masksFolder: manifest.path))
        }
    }

    @Test func maskNamesAreFlatAndUnique() {
        let names = ["FBP/ctdi4.0_rep1.nii.gz", "../x/<b> y.nii", "a.hdr", ""].enumerated().map { SeriesAnalysis.maskFileName(index: $0, path: $1) }
        #expect(names == ["001-FBP-ctdi4.0_rep1-mask.nii.gz", "002-..-x--b--y-mask.nii.gz", "003-a-mask.nii.gz", "004-acquisition-mask.nii.gz"])
    }
}
