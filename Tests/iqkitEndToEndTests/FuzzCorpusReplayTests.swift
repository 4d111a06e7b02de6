import Foundation
import Testing

/// Every seed of the fuzz corpus, the crash inputs the fuzzer found among
/// them, goes through its harness in the replay build of `iqkit-fuzz` on
/// every test run, so a crash fixed once stays fixed (`make fuzz` itself is
/// too slow for CI).
@Suite struct FuzzCorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus").path

    @Test func everySeedReplaysWithoutACrash() throws {
        let replay = URL(fileURLWithPath: CLIRunner.binary).deletingLastPathComponent().appendingPathComponent("iqkit-fuzz").path
        try #require(FileManager.default.isExecutableFile(atPath: replay), "no replay build of iqkit-fuzz beside \(CLIRunner.binary)")
        let targets = try FileManager.default.contentsOfDirectory(atPath: Self.corpus).sorted()
        #expect(targets == ["bands", "corpus", "labels", "manifest", "model", "nifti", "nifti-gz", "results"])
        for target in targets {
            let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus + "/" + target).sorted().map { Self.corpus + "/" + target + "/" + $0 }
            #expect(!files.isEmpty, "\(target) has no seeds")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: replay)
            process.arguments = [target] + files
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0 && stdout == "replayed \(files.count) inputs through \(target) without a crash\n", "\(target): \(stdout)")
        }
    }
}
