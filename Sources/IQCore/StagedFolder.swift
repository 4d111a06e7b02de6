import Foundation

/// Output of several files written into a hidden staging folder inside the
/// output folder and moved into place only once all of it was written, so
/// that a run that fails part-way (a file that cannot be written, a full
/// disk) leaves no partial output behind, nor the folder when it made it.
/// Files the folder already holds stay untouched unless the run writes the
/// same names, which it then replaces (each rename atomic).
public struct StagedFolder: Sendable {
    /// The folder as named, without trailing slashes.
    public let folder: String
    /// Where the files are written meanwhile: `folder/.iqkit-staging-<pid>-<uuid>`.
    public let staging: String
    private let createdFolder: Bool

    /// Makes the folder (if needed) and its staging folder.
    /// - Throws: `InputError.cannotWrite` naming the folder.
    public init(_ given: String) throws {
        var folder = given
        while folder.count > 1 && folder.hasSuffix("/") { folder.removeLast() }
        self.folder = folder
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory)
        if exists && !isDirectory.boolValue { throw InputError.cannotWrite(path: folder, problem: "a file of that name exists; expected a folder") }
        try AtomicOutput.makeFolder(folder)
        createdFolder = !exists
        staging = folder + "/.iqkit-staging-\(getpid())-\(UUID().uuidString)"
        do {
            try AtomicOutput.makeFolder(staging)
        } catch {
            if createdFolder { try? FileManager.default.removeItem(atPath: folder) }
            throw error
        }
    }

    /// Where the file that will end up at `folder/relative` is written meanwhile.
    public func stagedPath(_ relative: String) -> String { staging + "/" + relative }

    /// Moves every staged file to its place in `folder` (subfolders made as
    /// needed) and removes the staging folder. Each file replaces what held
    /// its name in one rename; a file it replaces is first hard-linked into
    /// the staging folder, so that a commit failing part-way (a file where a
    /// subfolder must go, a folder where a file must go) puts every replaced
    /// file back, removes the files and subfolders it placed, and leaves the
    /// folder as it found it.
    public func commit() throws {
        let files = (FileManager.default.enumerator(atPath: staging)?.allObjects as? [String] ?? []).filter { relative in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: stagedPath(relative), isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        let previous = staging + "/.previous"
        // What to undo for each placed file: rename its backup back, remove
        // it (nothing held its name), or neither (a file system without hard
        // links kept no copy of the file it replaced).
        var placed: [(target: String, backup: String?, replaced: Bool)] = []
        var madeFolders: [String] = []
        do {
            for relative in files.sorted() {
                let target = folder + "/" + relative
                try Self.makeFolders(URL(fileURLWithPath: target).deletingLastPathComponent().path, recordingIn: &madeFolders)
                var backup: String?
                var status = stat()
                let replaced = lstat(target, &status) == 0
                if replaced && (status.st_mode & S_IFMT) != S_IFDIR {
                    let path = previous + "/" + relative
                    try AtomicOutput.makeFolder(URL(fileURLWithPath: path).deletingLastPathComponent().path)
                    if link(target, path) == 0 { backup = path }
                }
                try AtomicOutput.commit(stagedPath(relative), to: target)
                placed.append((target, backup, replaced))
            }
        } catch {
            for (target, backup, replaced) in placed.reversed() {
                if let backup { rename(backup, target) } else if !replaced { unlink(target) }
            }
            for made in madeFolders.reversed() { rmdir(made) }
            throw error
        }
        try? FileManager.default.removeItem(atPath: staging)
    }

    /// Makes `path` and any missing folders above it, appending each it
    /// made to `made` (outermost first) as it goes, so that a failure
    /// part-way leaves a record of what to remove.
    private static func makeFolders(_ path: String, recordingIn made: inout [String]) throws {
        var missing: [String] = []
        var url = URL(fileURLWithPath: path)
        while !FileManager.default.fileExists(atPath: url.path) && url.path != "/" {
            missing.insert(url.path, at: 0)
            url.deleteLastPathComponent()
        }
        for folder in missing {
            guard mkdir(folder, 0o777) == 0 else { throw InputError.cannotWrite(path: folder, problem: "cannot create folder: " + String(cString: strerror(errno))) }
            made.append(folder)
        }
    }

    /// Removes the staged files, and the folder when this run made it and nothing else is in it.
    public func discard() {
        try? FileManager.default.removeItem(atPath: staging)
        if createdFolder, (try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    /// Runs `body` on a staged folder for `folder`, then commits what it
    /// wrote, or discards it when `body` (or the commit) throws.
    public static func write<T>(to folder: String, _ body: (StagedFolder) throws -> T) throws -> T {
        let staged = try StagedFolder(folder)
        do {
            let value = try body(staged)
            try staged.commit()
            return value
        } catch {
            staged.discard()
            throw error
        }
    }
}
