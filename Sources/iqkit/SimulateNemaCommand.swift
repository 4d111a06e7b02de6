import ArgumentParser
import Foundation
import IQCore
import PETQuality
import Simulation

struct SimulateNema: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nema",
        abstract: "A NEMA IEC body phantom (10:1) through a PET reconstruction model, in Bq/mL, with a JSON sidecar of the truth.")

    @Argument(help: "Output image (.nii, .nii.gz or .hdr); the truth goes to the same name with .json.") var output: String
    @Option(help: "Reconstruction resolution, Gaussian FWHM in mm.") var fwhmMM: Double = 6
    @Option(help: "Voxel size in mm: one value, or x,y,z.") var voxelMM: String = "2"
    @Option(help: "PSF edge overshoot amplitude (0 = none; clinical PSF recons ≈ 0.2–0.5).") var psfOvershoot: Double = 0
    @Option(help: "Background voxel COV at 120 s (0 = noise-free).") var noise: Double = 0
    @Option(help: "FWHM in mm of the noise's texture (default: the resolution's --fwhm-mm), as in `simulate patient`.")
    var noiseTextureFwhmMM: Double?
    @Option(help: "Scan duration in s (noise scales with 1/√duration).") var durationS: Double = 120
    @Option(help: "Background activity in Bq/mL.") var backgroundActivity: Double = 2000
    @Option(help: "Sphere-to-background ratio.") var ratio: Double = 10
    // Negative values are as valid as positive ones here: `.unconditional`
    // takes "-5" as the value instead of as a short option ("Missing value").
    @Option(parsing: .unconditional, help: "Rotation of the phantom about its axis, degrees.") var rotateDeg: Double = 0
    @Option(parsing: .unconditional, help: "Tilt of the phantom axis, degrees.") var tiltDeg: Double = 0
    @Option(parsing: .unconditional, help: "Shift of the phantom from the grid centre, mm: x,y,z.") var shiftMM: String = "0,0,0"
    @Option(help: "Noise seed.") var seed: UInt64 = 1
    @Option(help: "Grid size along x and y (default: a 330 mm field of view).") var matrix: Int?
    @Option(help: "Number of slices (default: 220 mm axially).") var slices: Int?

    func run() throws {
        try FileChecks.requireOutput(output, inputs: [])
        try FileChecks.requireOutput(sidecarPath(output), inputs: [output])
        let voxel = try parseTriple(voxelMM, name: "--voxel-mm", allowSingle: true)
        guard (0.5...10).contains(voxel.min()), voxel.max() <= 10 else {
            throw InputError.invalidSetting(name: "--voxel-mm", problem: "voxel sizes must be 0.5…10 mm")
        }
        let shift = try parseTriple(shiftMM, name: "--shift-mm", allowSingle: false)
        guard backgroundActivity.isFinite, backgroundActivity > 0, ratio.isFinite, ratio > 0 else {
            throw InputError.invalidSetting(name: "--background-activity/--ratio", problem: "must be positive")
        }
        let model = PETReconstructionModel(fwhmMM: fwhmMM, psfOvershoot: psfOvershoot, noiseCOV: noise, noiseTextureFWHMMM: noiseTextureFwhmMM, scanDurationS: durationS, seed: seed)
        try model.validate()
        let geometry = try PhantomData.iecGeometry()
        let simulator = IECPhantomSimulator(geometry: geometry, sphereActivity: backgroundActivity * ratio, backgroundActivity: backgroundActivity)
        var grid = IECPhantomSimulator.grid(voxelMM: voxel)
        if let matrix {
            guard (16...1024).contains(matrix) else { throw InputError.invalidSetting(name: "--matrix", problem: "must be 16…1024") }
            grid.nx = matrix
            grid.ny = matrix
        }
        if let slices {
            guard (8...1024).contains(slices) else { throw InputError.invalidSetting(name: "--slices", problem: "must be 8…1024") }
            grid.nz = slices
        }
        let centre = SIMD3<Double>(Double(grid.nx - 1), Double(grid.ny - 1), Double(grid.nz - 1)) * voxel / 2
        let pose = PhantomPose(axialDeg: rotateDeg, tiltDeg: tiltDeg, translationMM: centre + shift)
        let truth = simulator.render(nx: grid.nx, ny: grid.ny, nz: grid.nz, spacingMM: voxel, pose: pose)
        var image = model.apply(to: truth, referenceBqML: backgroundActivity)
        image.descrip = "iqkit simulated IEC phantom, FWHM \(fwhmMM) mm"
        let sidecar = NemaTruth(
            geometry: geometry.name, sphereActivityBqML: backgroundActivity * ratio, backgroundActivityBqML: backgroundActivity,
            sphereCentersMM: geometry.sphereCentersMM.map { let w = pose.toWorld($0); return [w.x, w.y, w.z] },
            diametersMM: geometry.spheres.map(\.diameterMM), pose: pose, reconstruction: model, voxelMM: [voxel.x, voxel.y, voxel.z])
        try NIfTIWriter.write(image, to: output)
        try ResultJSON.write(sidecar, to: sidecarPath(output))
    }
}

/// The truth written beside a simulated phantom.
struct NemaTruth: Codable {
    var kind = "nema-truth"
    var geometry: String
    var sphereActivityBqML: Double
    var backgroundActivityBqML: Double
    /// Sphere centres in grid mm (index × spacing), in geometry order.
    var sphereCentersMM: [[Double]]
    var diametersMM: [Double]
    var pose: PhantomPose
    var reconstruction: PETReconstructionModel
    var voxelMM: [Double]
}

/// `a/b.nii.gz` → `a/b.json`.
func sidecarPath(_ image: String) -> String {
    var base = image
    for ext in [".nii.gz", ".nii", ".hdr.gz", ".hdr"] where base.lowercased().hasSuffix(ext) {
        base = String(base.dropLast(ext.count))
        break
    }
    return base + ".json"
}

/// Parses "a" or "a,b,c" into three positive finite numbers.
func parseTriple(_ text: String, name: String, allowSingle: Bool) throws -> SIMD3<Double> {
    let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
    if allowSingle, parts.count == 1, let v = parts[0], v.isFinite { return SIMD3(repeating: v) }
    guard parts.count == 3, let a = parts[0], let b = parts[1], let c = parts[2], [a, b, c].allSatisfy(\.isFinite) else {
        throw InputError.invalidSetting(name: name, problem: "expected \(allowSingle ? "a number or " : "")three comma-separated numbers, got '\(text)'")
    }
    return SIMD3(a, b, c)
}
