import Foundation
import IQCore
import Testing

@Suite struct FoundationCLITests {
    @Test func simulateInfoSmoothEdge() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let image = dir + "/spheres.nii.gz"
        var r = try CLIRunner.run(["simulate", "spheres", image, "--matrix", "48", "--slices", "12", "--voxel-mm", "4"])
        #expect(r.status == 0, "\(r.stderr)")

        r = try CLIRunner.run(["info", image, "--json"])
        #expect(r.status == 0)
        let info = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(info?["dimensions"] as? [Int] == [48, 48, 12])
        #expect(info?["spacingMM"] as? [Double] == [4, 4, 4])
        #expect(info?["unit"] as? String == "Bq/mL")

        let smooth = dir + "/smooth.nii"
        r = try CLIRunner.run(["smooth", image, smooth, "--fwhm-mm", "8"])
        #expect(r.status == 0, "\(r.stderr)")
        let edge = dir + "/edge.hdr"
        r = try CLIRunner.run(["edge", image, edge])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/edge.img"))

        // Outputs keep the input's geometry and equal the library's result.
        let input = try NIfTIReader.read(image).volume
        let written = try NIfTIReader.read(edge).volume
        #expect(written.geometry == input.geometry)
        let expected = EdgeImage.compute(input)
        #expect(zip(written.voxels, expected.voxels).allSatisfy { abs($0 - $1) <= 1e-3 })
    }

    @Test func badInputExitsTwoWithOneLineNamingTheFile() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bogus = dir + "/bogus.nii"
        try Data("hello, not an image".utf8).write(to: URL(fileURLWithPath: bogus))
        for args in [["info", bogus], ["edge", bogus, dir + "/out.nii"], ["info", dir + "/missing.nii"], ["info", dir]] {
            let r = try CLIRunner.run(args)
            #expect(r.status == 2, "\(args)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(r.stderr)")
            #expect(r.stderr.contains(args[1]), "\(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.nii"))
    }

    /// Usage errors (missing or malformed arguments, failed option checks)
    /// exit 2 with one line, as any bad input does.
    @Test func usageErrorsExitTwo() throws {
        // The hint names the help of the subcommand the arguments reached.
        let cases: [([String], String, String)] = [
            (["smooth"], "Missing expected argument '<input>'", "iqkit smooth"),
            (["no-such-command"], "Unexpected argument 'no-such-command'", "iqkit"),
            (["smooth", "a.nii", "b.nii", "--fwhm-mm", "x"], "The value 'x' is invalid for '--fwhm-mm <fwhm-mm>'", "iqkit smooth"),
            (["earl", "train", "--data", "d", "--labels", "l", "--folds", "1"], "--folds must be 0 (none) or ≥ 2", "iqkit earl train"),
            (["earl", "bogus"], "Unexpected argument 'bogus'", "iqkit earl"),
            // ArgumentParser reads "-3" as an option: the line says how to write it.
            (["smooth", "a.nii", "b.nii", "--fwhm-mm", "-3"], "Missing value for '--fwhm-mm <fwhm-mm>'; write a negative value as --fwhm-mm=-3", "iqkit smooth"),
            (["simulate", "patient", "p.nii", "--noise", "-1e-2"], "Missing value for '--noise <noise>'; write a negative value as --noise=-1e-2", "iqkit simulate patient"),
            (["smooth", "a.nii", "b.nii", "--fwhm-mm"], "Missing value for '--fwhm-mm <fwhm-mm>'", "iqkit smooth"),
        ]
        for (args, message, command) in cases {
            let r = try CLIRunner.run(args)
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr == "iqkit: error: \(message) (see \(command) --help)\n", "\(r.stderr)")
        }
        // Written so, the value reaches the option's own check.
        let written = try CLIRunner.run(["smooth", "a.nii", "b.nii", "--fwhm-mm=-3"])
        #expect(written.status == 2 && !written.stderr.contains("Missing value"), "\(written.stderr)")
        #expect(try CLIRunner.run(["--help"]).status == 0)
        #expect(try CLIRunner.run(["--version"]).stdout.contains(IQKit.version))
    }

    /// The noise-texture options are checked before anything is written.
    @Test func noiseTextureOutOfRangeIsRefused() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases: [([String], String)] = [
            (["simulate", "patient", dir + "/p.nii", "--fwhm-mm", "5", "--noise", "0.1", "--noise-texture-fwhm-mm", "31"], "--noise-texture-fwhm-mm: must be 0…30 mm"),
            (["simulate", "nema", dir + "/p.nii", "--noise", "0.1", "--noise-texture-fwhm-mm", "nan"], "--noise-texture-fwhm-mm: must be 0…30 mm"),
            (["simulate", "pet-patients", dir + "/corpus", "--count", "3", "--noise-texture-spread", "4"], "--noise-texture-spread: must be 1…3"),
        ]
        for (args, message) in cases {
            let r = try CLIRunner.run(args)
            #expect(r.status == 2 && r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test func outputEqualToInputIsRefused() throws {
        let dir = CLIRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let image = dir + "/a.nii"
        try CLIRunner.run(["simulate", "spheres", image, "--matrix", "16", "--slices", "4"])
        let before = try Data(contentsOf: URL(fileURLWithPath: image))
        let r = try CLIRunner.run(["smooth", image, image, "--fwhm-mm", "4"])
        #expect(r.status == 2)
        #expect(try Data(contentsOf: URL(fileURLWithPath: image)) == before)
    }
}
