import ArgumentParser
import EARLCorpus
import Foundation
import IQCore

extension PatientCorpus.Split: ExpressibleByArgument {}
extension SettingLabeller.Placement: ExpressibleByArgument {}

private let range = PatientCorpus.Split.continuousVoxelRangeMM
private let exclusion = PatientCorpus.Split.testGridExclusionMM

struct SimulatePetPatients: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pet-patients",
        abstract: "A labelled corpus of simulated patient PET scans for `earl train` and `earl evaluate`.",
        discussion: """
            Each reconstruction setting (resolution, PSF overshoot, noise, voxel size) is labelled by reconstructing the \
            digital IEC body phantom with it and analysing it against EARL1 and EARL2: earl1 or earl2 when it meets exactly \
            that band set, clinical when it recovers more than EARL2 allows. Settings meeting both, too smooth for either, or \
            within --minimum-margin band widths of the deciding edge, or (with --phantom-scans) whose verdict changes between \
            phantom scans, are not used (counted in corpus.json). The train and test \
            splits use disjoint anatomies and disjoint voxel sizes (with --continuous-voxels, none within \(exclusion) mm of a test grid). Writes the scans, labels.csv (file,label,group,edge_distance: the phantom's distance from EARL2's upper band edge, for `earl train --soft-stage1`), auxiliary.csv (file,fwhm_mm,psf_overshoot,noise_cov,edge_distance: each scan's reconstruction setting, for `earl train --auxiliary`) and corpus.json.
            """)

    @Argument(help: "Output folder.") var output: String
    @Option(help: "Number of scans (split as evenly as possible over clinical, earl1, earl2).") var count: Int = 30
    @Option(help: "train or test: disjoint anatomies and voxel sizes.") var split: PatientCorpus.Split = .train
    @Option(help: "Seed of the settings and noise.") var seed: UInt64 = 1
    @Option(help: "Bed positions of 160 mm centred on the chest.") var bedPositions: Int = 2
    @Option(help: "Transverse field of view in mm.") var fovMM: Double = 500
    @Option(help: "Scans per labelled setting (different anatomies).") var scansPerSetting: Int = 2
    @Option(help: "Leave out settings closer than this to the band edge deciding their label, in band widths.") var minimumMargin: Double = 0.1
    @Flag(help: "Render every anatomy once per label (a clinical, an EARL1 and an EARL2 setting), as a study reconstructing each patient three ways; labels then cannot be told apart by anatomy.")
    var paired = false
    @Option(help: "Fraction (0–1) of clinical proposals that are PSF reconstructions with an EARL2-like filter (FWHM 4.5–5.6 mm, overshoot 0.2–0.45): clinical scans close to the EARL2 edge.")
    var nearEdgeClinical: Double = 0
    @Option(help: "Make those near-edge clinical proposals only on grids whose in-plane voxel is at most this many mm (default: every grid).")
    var nearEdgeMaxVoxelMM: Double?
    @Option(help: "Train split: the fraction (0–1) of settings whose voxel size is drawn from \(range.lowerBound)–\(range.upperBound) mm (half isotropic, half with their own slice thickness, never within \(exclusion) mm of a test grid on every axis); the others take one of the listed training grids.")
    var continuousVoxels: Double = 0
    @Option(help: "Phantom scans that must agree on a setting's category (the centred one, then repeats at random rotations and sub-voxel shifts, each with its own noise); settings whose verdict changes between them are not used.")
    var phantomScans: Int = 1
    @Option(help: "Decouple noise texture from resolution: each setting's noise texture FWHM is its resolution FWHM times a factor drawn log-uniformly from 1/S…S (1: tied, as before).")
    var noiseTextureSpread: Double = 1
    @Option(help: "Anatomy seed of the first patient (default: 1 for train, 1000001 for test). --seed draws settings and noise only, so test sets with other seeds share their patients unless they start elsewhere.")
    var firstAnatomy: UInt64?
    @Flag(help: "Write uncompressed .nii files (faster, larger).") var uncompressed = false

    func run() throws {
        let options = PatientCorpus.Options(
            count: count, seed: seed, split: split, bedPositions: bedPositions, fieldOfViewMM: fovMM, scansPerSetting: scansPerSetting,
            minimumMargin: minimumMargin, pairedAnatomies: paired, nearEdgeClinical: nearEdgeClinical, nearEdgeMaxVoxelMM: nearEdgeMaxVoxelMM,
            continuousVoxels: continuousVoxels, phantomScans: phantomScans, noiseTextureSpread: noiseTextureSpread,
            firstAnatomy: firstAnatomy)
        let corpus = try PatientCorpus(options: options, labeller: try .standard())
        let manifest = try corpus.write(to: output, fileExtension: uncompressed ? ".nii" : ".nii.gz")
        let counts = manifest.labelCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let rejected = manifest.rejectedSettings.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("\(manifest.scans.count) scans (\(counts)) from \(manifest.settings.count) settings in \(output)")
        if !rejected.isEmpty { print("settings not used: \(rejected)") }
    }
}

struct SimulateRelabel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relabel",
        abstract: "Check a `pet-patients` corpus's labels against further phantom scans of each setting, and label it by majority.",
        discussion: """
            A corpus labels each setting by one scan of its digital IEC phantom; near a band edge another phantom scan of the same \
            reconstruction can give another verdict. This scans every setting's phantom --phantom-scans − 1 more times, each with \
            noise of its own and, with --placement random, placed anew (random axial rotation and sub-voxel shift); the scans are drawn \
            from the corpus seed, so a rerun gives the same ones. Each setting is labelled by the category more than half of its \
            phantom scans give; settings without such a majority, or whose majority is not a label (between, under-recovering), are \
            left out of --out. Prints the settings whose category changed, a summary, and the stage-1 label-noise floor (the misses \
            to expect against the corpus's own labels from a classifier that knew how often each setting's phantom scans, of those \
            the corpus would accept, over-recover), with the probability that such a classifier reaches --stage1-target against \
            them. The corpus is read, never modified. Exit 2 on bad input.
            """)

    @Argument(help: "Corpus folder written by `simulate pet-patients` (its corpus.json is read).") var corpus: String
    @Option(help: "Phantom scans per setting, the corpus's own included (odd numbers avoid ties).") var phantomScans: Int = 5
    @Option(help: "random: each further phantom scan placed anew (rotation, sub-voxel shift), as a site repeating its scan; centred: placed as the corpus's own scan, only the noise changes (the same noise as with random).")
    var placement: SettingLabeller.Placement = .random
    @Option(help: "Write the majority labels here (labels.csv format: file,label,group,edge_distance, the distance averaged over the phantom scans), for `earl evaluate` or `earl train`.") var out: String
    @Option(help: "Write every setting's phantom-scan categories and every scan's two labels here (JSON).") var json: String?
    @Option(help: "Stage-1 accuracy (a fraction) whose reach by an ideal classifier is reported.") var stage1Target: Double = 0.99

    func validate() throws {
        if !(stage1Target.isFinite && stage1Target > 0 && stage1Target <= 1) { throw ValidationError("--stage1-target: must be a fraction in (0, 1]") }
    }

    func run() throws {
        let path = corpus + "/corpus.json"
        try FileChecks.requireOutputs([out, json], inputs: [path, corpus + "/labels.csv"])
        let manifest = try PatientCorpus.Manifest.read(from: path)
        let settings = manifest.settingsInUse.count
        let progress = ProgressReporter("phantom scans of \(settings) settings", total: settings)
        var result = try PatientCorpus.relabel(manifest, phantomScans: phantomScans, placement: placement, labeller: try .standard(), manifestPath: path, progress: progress)
        progress.finish()
        result.stage1Target = stage1Target
        result.provenance = Provenance(
            inputs: [try .hashing(path)],
            settings: ["phantomScans": String(phantomScans), "placement": placement.rawValue, "stage1Target": String(stage1Target)])
        for s in result.settings where !s.reproducible {
            let majority = s.label?.rawValue ?? "no majority label"
            print("setting \(s.id) (\(s.summary)): \(([s.firstScan] + s.repeats).map(\.rawValue).joined(separator: ", ")) → \(majority)")
        }
        let n = result.summary
        print(
            "\(n.settings) settings, \(phantomScans) phantom scans each (\(placement.rawValue) placement): \(n.reproducible) gave one category throughout, \(n.changed) changed "
                + "(\(n.stage1) across the clinical line); \(n.scansRelabelled) of \(result.scans.count) scans relabelled, "
                + "\(n.scansUnlabelled) without a majority label")
        if let floor = result.stage1LabelNoiseFloor {
            print(
                String(
                    format: "stage-1 label-noise floor: an ideal classifier would miss about %.1f of the %d scans' corpus labels (%.1f %%)",
                    floor, result.scans.count, 100 * floor / Double(max(1, result.scans.count))))
        }
        if let reach = result.stage1ReachProbability(accuracy: stage1Target) {
            print(
                "an ideal classifier reaches \(String(format: "%g", 100 * stage1Target)) % on stage 1 "
                    + "(\(CorpusRelabelling.allowedMissesText(reach.allowedMisses))) with probability \(String(format: "%.2f", reach.probability))")
        }
        try AtomicOutput.write(result.majorityLabelsCSV, to: out)
        if let json { try ResultJSON.write(result, to: json) }
    }
}
