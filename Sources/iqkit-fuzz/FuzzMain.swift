import EARLClassifier
import EARLCorpus
import Foundation
import IQCore
import PETQuality
import Reporting
import VesselPhantom

// libFuzzer harnesses for the parsers that read user files. `make fuzz`
// builds this product with -sanitize=fuzzer,address and -DFUZZING, so that
// libFuzzer supplies main(); a plain build gives a replay tool that runs the
// same harness over files (`iqkit-fuzz nifti Fuzz/corpus/nifti/*`), which is
// how crashes found by the fuzzer become regression tests.
//
// The contract under test: any input either parses or throws an InputError;
// nothing crashes, traps, leaks past the sanitizers or allocates beyond the
// voxel budget.

/// The fuzz targets, chosen with IQKIT_FUZZ_TARGET (fuzzing) or the first argument (replay).
enum FuzzTarget: String, CaseIterable {
    case nifti
    case niftiGz = "nifti-gz"
    /// A vessel-series manifest (YAML), parsed and its paths checked.
    case manifest
    /// An EARL band file (YAML).
    case bands
    /// A labels CSV and an auxiliary-targets CSV (`earl train`) and a pairs file (`earl label`): the same bytes through all three parsers.
    case labels
    /// A result JSON (`iqkit report`), through the loader's choice of reader, and `earl cv-merge`.
    case results
    /// An EARL classifier model file (`earl check --model`), read and its networks built.
    case model
    /// A corpus manifest (`corpus.json`, read by `simulate relabel`), decoded and checked.
    case corpus

    /// Runs one input through the target.
    func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .nifti: readNIfTI(bytes, suffix: ".nii")
        case .niftiGz: readNIfTI(bytes, suffix: ".nii.gz")
        case .manifest: withScratchFile(bytes, suffix: ".yaml") { _ = try? SeriesManifest.read($0) }
        case .bands: withScratchFile(bytes, suffix: ".yaml") { _ = try? EARLStandard.load($0) }
        case .labels:
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? LabelsCSV.parse(text, path: "labels.csv")
            _ = try? PhantomReferencedLabels.parsePairs(text, path: "pairs.csv")
            _ = try? AuxiliaryCSV.parse(text, path: "auxiliary.csv")
        case .results:
            let data = Data(bytes)
            _ = try? ResultLoader().sections(from: data, path: "result.json")
            // `earl cv-merge` pools cross-validation reports cell by cell.
            if let report = try? ResultJSON.decoder().decode(CrossValidationReport.self, from: data) {
                _ = try? CrossValidationReport.merge([("result.json", report)])
            }
        case .model: withScratchFile(bytes, suffix: ".json") { _ = try? EARLModel.read(from: $0) }
        case .corpus: withScratchFile(bytes, suffix: ".json") { _ = try? PatientCorpus.Manifest.read(from: $0) }
        }
    }

    /// Writes the input to a scratch file for readers that take a path, and removes it after.
    private func withScratchFile(_ bytes: UnsafeRawBufferPointer, suffix: String, _ body: (String) -> Void) {
        let path = Self.scratch + suffix
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return }
        defer { unlink(path) }
        body(path)
    }

    private static let scratch: String = {
        let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return dir + "/iqkit-fuzz-\(getpid())"
    }()

    private func readNIfTI(_ bytes: UnsafeRawBufferPointer, suffix: String) {
        withScratchFile(bytes, suffix: suffix) { path in
            // A small budget keeps every accepted input cheap, as a real budget does for real files.
            _ = try? NIfTIReader.read(path, options: NIfTIReadOptions(frame: nil, maxVoxels: 1 << 16))
            _ = try? NIfTIReader.read(path, options: NIfTIReadOptions(frame: 1, maxVoxels: 1 << 16))
        }
    }
}

#if FUZZING
    private let fuzzTarget: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["IQKIT_FUZZ_TARGET"] ?? "nifti"
        return FuzzTarget(rawValue: name) ?? .nifti
    }()

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        fuzzTarget.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }

    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

    // SwiftPM links executables against `<module>_main`; hand control to libFuzzer's driver.
    @_cdecl("iqkit_fuzz_main")
    public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        var count = argc
        var vector = argv
        return LLVMFuzzerRunDriver(&count, &vector, fuzzOne)
    }
#else
    @main
    struct Replay {
        static func main() {
            let args = CommandLine.arguments.dropFirst()
            guard let name = args.first, let target = FuzzTarget(rawValue: name) else {
                print("usage: iqkit-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE…")
                exit(2)
            }
            var count = 0
            for path in args.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                data.withUnsafeBytes { target.run($0) }
                count += 1
            }
            print("replayed \(count) inputs through \(name) without a crash")
        }
    }
#endif
