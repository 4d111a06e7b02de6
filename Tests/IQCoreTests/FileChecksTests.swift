import Foundation
import Testing

import IQCore

/// The output checks every command makes before it starts work.
@Suite struct FileChecksTests {
    private func folder() throws -> String {
        let path = NSTemporaryDirectory() + "iqkit-filechecks-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func problem(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func outputFiles() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/in.nii"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: input))
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: false)

        #expect(problem { try FileChecks.requireOutput(dir + "/out.json", inputs: [input]) } == nil)
        // An existing file that is not an input may be replaced.
        #expect(problem { try FileChecks.requireOutput(dir + "/sub/../in.json", inputs: [input]) } == nil)
        let same = problem { try FileChecks.requireOutput(dir + "/sub/../in.nii", inputs: [input]) }
        #expect(same?.contains("same as the input") == true, "\(same ?? "accepted")")
        let missing = problem { try FileChecks.requireOutput(dir + "/none/out.json", inputs: []) }
        #expect(missing?.contains("folder \(dir)/none does not exist") == true, "\(missing ?? "accepted")")
        let isFolder = problem { try FileChecks.requireOutput(dir + "/sub", inputs: []) }
        #expect(isFolder?.contains("a folder of that name exists") == true, "\(isFolder ?? "accepted")")
        let underFile = problem { try FileChecks.requireOutput(input + "/out.json", inputs: []) }
        #expect(underFile?.contains("does not exist") == true, "\(underFile ?? "accepted")")
        // Nothing was created by the checks.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["in.nii", "sub"])
    }

    @Test func outputFolders() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data([1]).write(to: URL(fileURLWithPath: dir + "/file"))
        // Existing folders, and folders that `makeFolder` can create with their parents.
        #expect(problem { try FileChecks.requireOutputFolder(dir) } == nil)
        #expect(problem { try FileChecks.requireOutputFolder(dir + "/a/b/c") } == nil)
        let file = problem { try FileChecks.requireOutputFolder(dir + "/file") }
        #expect(file?.contains("a file of that name exists") == true, "\(file ?? "accepted")")
        let underFile = problem { try FileChecks.requireOutputFolder(dir + "/file/a/b") }
        #expect(underFile?.contains("\(dir)/file is a file, not a folder") == true, "\(underFile ?? "accepted")")
        #expect(!FileManager.default.fileExists(atPath: dir + "/a"))
    }

    /// Read-only folders are refused, unless the tests run as root (CI),
    /// for whom every folder is writable.
    @Test func readOnlyFolder() throws {
        let dir = try folder()
        defer {
            chmod(dir, 0o755)
            try? FileManager.default.removeItem(atPath: dir)
        }
        chmod(dir, 0o555)
        let output = problem { try FileChecks.requireOutput(dir + "/out.json", inputs: []) }
        let outputFolder = problem { try FileChecks.requireOutputFolder(dir + "/new") }
        if geteuid() == 0 {
            #expect(output == nil && outputFolder == nil)
        } else {
            #expect(output?.contains("is not writable") == true, "\(output ?? "accepted")")
            #expect(outputFolder?.contains("is not writable") == true, "\(outputFolder ?? "accepted")")
        }
    }

    /// Decoding errors become one line: where and what.
    @Test func decodingErrorsAreOneLine() throws {
        struct Thing: Decodable {
            var name: String
            var sizes: [Int]
        }
        func describe(_ json: String) -> String {
            do {
                _ = try JSONDecoder().decode(Thing.self, from: Data(json.utf8))
                return "decoded"
            } catch {
                return DataFile.describe(error)
            }
        }
        #expect(describe(#"{"sizes": []}"#) == "missing field name")
        #expect(describe(#"{"name": "a", "sizes": [1, "x"]}"#) == "sizes[1]: expected Int")
        #expect(describe(#"{"name": null, "sizes": []}"#).hasPrefix("name: expected String"))
        let garbage = describe("{\"name\": \n")
        #expect(garbage.hasPrefix("top level: ") && !garbage.contains("\n"), "\(garbage)")
        #expect(DataFile.describe(InputError.missingFile(path: "x\ny")) == "\(InputError.missingFile(path: "x\ny"))".replacingOccurrences(of: "\n", with: " "))
    }
}
