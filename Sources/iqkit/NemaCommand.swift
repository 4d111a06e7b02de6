import ArgumentParser
import Foundation
import IQCore
import PETQuality

struct Nema: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "NEMA IEC body phantom analysis against EARL bands.", subcommands: [NemaAnalyze.self])
}

/// Options shared by `nema analyze` and `harmonize`.
struct PhantomOptions: ParsableArguments {
    @Option(help: "True sphere concentration in Bq/mL (default: background × --ratio).") var sphereActivity: Double?
    @Option(help: "Expected background concentration in Bq/mL (enables the ±10 % calibration check).") var backgroundActivity: Double?
    @Option(help: "Sphere-to-background ratio assumed when --sphere-activity is not given.") var ratio: Double = 10
    @Option(help: "YAML/JSON file of sphere centres (diameterMM with voxel: [i,j,k] or mm: [x,y,z]) overriding automatic localisation.")
    var centers: String?
    @OptionGroup var read: ReadOptions

    var settings: NEMASettings {
        NEMASettings(sphereActivityBqML: sphereActivity, backgroundActivityBqML: backgroundActivity, assumedRatio: ratio, centersFile: centers)
    }

    func provenanceInputs(_ image: String) throws -> [Provenance.Input] {
        var inputs = [try Provenance.Input.hashing(image)]
        if let centers { inputs.append(try .hashing(centers)) }
        return inputs
    }

    var settingsText: [String: String] {
        var s = ["ratio": String(ratio)]
        if let sphereActivity { s["sphereActivityBqML"] = String(sphereActivity) }
        if let backgroundActivity { s["backgroundActivityBqML"] = String(backgroundActivity) }
        if let centers { s["centers"] = centers }
        return s
    }
}

/// Resolves `earl1`, `earl2`, `all` or band files.
func loadStandards(_ names: [String]) throws -> [EARLStandard] {
    var result: [EARLStandard] = []
    for name in names {
        if name.lowercased() == "all" {
            result += [try PhantomData.standard("earl1"), try PhantomData.standard("earl2")]
        } else {
            result.append(try PhantomData.standard(name))
        }
    }
    return result
}

struct NemaAnalyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Recovery coefficients (RCmax, RCmean A50, RCpeak), background, calibration and effective FWHM of an IEC phantom scan, judged against EARL bands.",
        discussion: "Exits 1 when the phantom does not meet every requested band set (after writing the JSON), 2 on bad input.")

    @Argument(help: "The phantom image (Bq/mL).") var image: String
    @Option(name: .customLong("standard"), help: "earl1, earl2, all, or a band file (.yaml); repeatable.") var standards: [String] = ["all"]
    @Option(help: "Write the result as JSON here.") var json: String?
    @Option(help: "all: every band set must pass; any: one is enough (default: any for --standard all, else all).")
    var require: NEMASettings.Requirement?
    @OptionGroup var phantom: PhantomOptions

    func run() throws {
        let standardList = try loadStandards(standards)
        let requirement = require ?? (standards.map { $0.lowercased() } == ["all"] ? .any : .all)
        if let json { try FileChecks.requireOutput(json, inputs: [image] + (phantom.centers.map { [$0] } ?? [])) }
        let volume = try loadFinite(image, phantom.read.nifti)
        var nemaSettings = phantom.settings
        nemaSettings.requirement = requirement
        let analyzer = NEMAAnalyzer(geometry: try PhantomData.iecGeometry(), standards: standardList, settings: nemaSettings)
        var settings = phantom.settingsText
        settings["requirement"] = requirement.rawValue
        settings["standards"] = standardList.map { "\($0.name) (\($0.version))" }.joined(separator: ", ")
        let provenance = Provenance(inputs: try phantom.provenanceInputs(image), settings: settings)
        let result = try analyzer.analyze(volume, path: image, provenance: provenance)
        if let json { try ResultJSON.write(result, to: json) }
        print(NemaText.render(result))
        let failed = standardList.map(\.name).filter { result.verdicts[$0] != true }
        let calibrationFailed = result.calibration.map { !$0.pass } ?? false
        if !result.passed {
            var why: [String] = []
            if requirement == .any && result.compliantWith.isEmpty {
                why.append("meets none of \(standardList.map(\.name).joined(separator: ", "))")
            } else if requirement == .all && !failed.isEmpty {
                why.append("does not meet \(failed.joined(separator: ", "))")
            }
            if calibrationFailed { why.append("calibration bias outside ±\(Int(result.calibration?.tolerancePercent ?? 10)) %") }
            throw QAFailure(message: "\(image): \(why.joined(separator: "; "))")
        }
    }
}

/// The terminal summary of a NEMA analysis.
enum NemaText {
    static func render(_ r: NEMAResult) -> String {
        var lines: [String] = []
        lines.append("\(r.input): IEC phantom, \(r.localisation.method) localisation (ring fit \(String(format: "%.2f", r.localisation.fitRMSMM)) mm)")
        lines.append("  " + r.activities.note)
        let names = r.standards.map(\.name)
        lines.append("  sphere  RCmax  RCmean  RCpeak  " + names.map { $0.padding(toLength: 7, withPad: " ", startingAt: 0) }.joined(separator: " "))
        for s in r.spheres {
            let marks = names.map { (s.pass[$0]?.all ?? false) ? "pass   " : "FAIL   " }.joined(separator: " ")
            lines.append(String(format: "  %4.0f mm %5.2f  %6.2f  %6.2f  ", s.diameterMM, s.rcMax, s.rcMean, s.rcPeak) + marks)
        }
        lines.append(String(format: "  background %.4g (COV %.1f %%, ROI-mean COV %.1f %%, %d ROIs)", r.background.mean, 100 * r.background.cov, 100 * r.background.roiMeanCOV, r.background.roiCount))
        if let c = r.calibration {
            lines.append(String(format: "  calibration bias %+.1f %% (%@)", c.biasPercent, c.pass ? "pass" : "FAIL"))
        }
        if let f = r.effectiveFWHMMM { lines.append(String(format: "  effective FWHM %.1f mm", f)) }
        lines.append("  verdict: " + (r.compliantWith.isEmpty ? "none of " + names.joined(separator: ", ") : r.compliantWith.joined(separator: " and ")))
        return lines.joined(separator: "\n")
    }
}

extension NEMASettings.Requirement: ExpressibleByArgument {}
