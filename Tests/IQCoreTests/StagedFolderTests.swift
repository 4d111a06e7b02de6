import Foundation
import IQCore
import Testing

/// A staged folder's files appear all at once, in nested places, beside what
/// the folder held; a failure leaves neither files nor the folder it made.
@Suite struct StagedFolderTests {
    static func temporaryFolder() -> String { NSTemporaryDirectory() + "iqkit-staged-\(UUID().uuidString)" }

    static func tree(_ folder: String) -> [String] {
        (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).sorted()
    }

    @Test func filesAppearOnlyWhenAllWereWritten() throws {
        let root = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = root + "/series"
        try FileManager.default.createDirectory(atPath: folder + "/FBP", withIntermediateDirectories: true)
        try "old".write(toFile: folder + "/FBP/kept.txt", atomically: true, encoding: .utf8)
        try "old".write(toFile: folder + "/manifest.yaml", atomically: true, encoding: .utf8)
        let value = try StagedFolder.write(to: folder + "/") { staged -> Int in
            try AtomicOutput.makeFolder(staged.stagedPath("FBP"))
            try AtomicOutput.write("a", to: staged.stagedPath("FBP/a.txt"))
            try AtomicOutput.makeFolder(staged.stagedPath("truth/deep"))
            try AtomicOutput.write("b", to: staged.stagedPath("truth/deep/b.txt"))
            try AtomicOutput.write("new", to: staged.stagedPath("manifest.yaml"))
            // Nothing is in place yet.
            #expect(!FileManager.default.fileExists(atPath: folder + "/FBP/a.txt"))
            return 7
        }
        #expect(value == 7)
        #expect(Self.tree(folder) == ["FBP", "FBP/a.txt", "FBP/kept.txt", "manifest.yaml", "truth", "truth/deep", "truth/deep/b.txt"])
        #expect(try String(contentsOfFile: folder + "/manifest.yaml", encoding: .utf8) == "new")
        #expect(try String(contentsOfFile: folder + "/FBP/kept.txt", encoding: .utf8) == "old")
    }

    @Test func aFailureLeavesNothing() throws {
        let root = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        struct Failure: Error {}
        // A folder the run made goes with it.
        #expect(throws: Failure.self) {
            try StagedFolder.write(to: root + "/new/series") { staged in
                try AtomicOutput.write("a", to: staged.stagedPath("a.txt"))
                throw Failure()
            }
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/new/series"))
        // A folder that was there stays as it was.
        try FileManager.default.createDirectory(atPath: root + "/old", withIntermediateDirectories: true)
        try "old".write(toFile: root + "/old/x.txt", atomically: true, encoding: .utf8)
        #expect(throws: Failure.self) {
            try StagedFolder.write(to: root + "/old") { staged in
                try AtomicOutput.write("a", to: staged.stagedPath("a.txt"))
                throw Failure()
            }
        }
        #expect(Self.tree(root + "/old") == ["x.txt"])
        // A commit failing part-way undoes itself: "a.txt" and "b/c.txt" are
        // placed, then "sub/d.txt" cannot go where a file named "sub" is. The
        // replaced "a.txt" comes back, "b" goes, "sub" is untouched (both were
        // left in their new state before).
        try "old a".write(toFile: root + "/old/a.txt", atomically: true, encoding: .utf8)
        try "a file".write(toFile: root + "/old/sub", atomically: true, encoding: .utf8)
        #expect(throws: InputError.self) {
            try StagedFolder.write(to: root + "/old") { staged in
                try AtomicOutput.write("new a", to: staged.stagedPath("a.txt"))
                try AtomicOutput.makeFolder(staged.stagedPath("b"))
                try AtomicOutput.write("c", to: staged.stagedPath("b/c.txt"))
                try AtomicOutput.makeFolder(staged.stagedPath("sub"))
                try AtomicOutput.write("d", to: staged.stagedPath("sub/d.txt"))
            }
        }
        #expect(Self.tree(root + "/old") == ["a.txt", "sub", "x.txt"])
        #expect(try String(contentsOfFile: root + "/old/a.txt", encoding: .utf8) == "old a")
        #expect(try String(contentsOfFile: root + "/old/sub", encoding: .utf8) == "a file")
        // A folder where a file must go, likewise.
        try FileManager.default.removeItem(atPath: root + "/old/sub")
        try FileManager.default.createDirectory(atPath: root + "/old/z.txt", withIntermediateDirectories: false)
        #expect(throws: InputError.self) {
            try StagedFolder.write(to: root + "/old") { staged in
                try AtomicOutput.write("new a", to: staged.stagedPath("a.txt"))
                try AtomicOutput.write("z", to: staged.stagedPath("z.txt"))
            }
        }
        #expect(Self.tree(root + "/old") == ["a.txt", "x.txt", "z.txt"])
        #expect(try String(contentsOfFile: root + "/old/a.txt", encoding: .utf8) == "old a")
        // A file where the folder should be is refused before anything is made.
        try FileManager.default.removeItem(atPath: root + "/old/z.txt")
        #expect(throws: InputError.cannotWrite(path: root + "/old/x.txt", problem: "a file of that name exists; expected a folder")) {
            try StagedFolder.write(to: root + "/old/x.txt") { _ in }
        }
    }
}
