import Foundation

/// Writes outputs so that a reader never sees a half-written file: each file
/// is written under a temporary name in its target folder and renamed into
/// place, which POSIX makes atomic on one file system.
public enum AtomicOutput {
    private static let counter = Counter()

    /// A temporary path beside `path` that keeps its extension (nifticlib
    /// picks the format from it).
    public static func temporaryPath(for path: String, extension ext: String) -> String {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let base = url.lastPathComponent
        let stem = base.count > ext.count ? String(base.dropLast(ext.count)) : base
        let token = "\(getpid())-\(counter.next())"
        return (dir as NSString).appendingPathComponent(".\(stem).iqkit-\(token).tmp\(ext)")
    }

    /// Writes `data` to `path` atomically.
    public static func write(_ data: Data, to path: String) throws {
        try requireParentFolder(path)
        let temp = temporaryPath(for: path, extension: "")
        do {
            try data.write(to: URL(fileURLWithPath: temp), options: [])
            try commit(temp, to: path)
        } catch let error as InputError {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw InputError.cannotWrite(path: path, problem: error.localizedDescription)
        }
    }

    /// Writes UTF-8 text atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Renames a finished temporary file over its final name.
    public static func commit(_ temporary: String, to path: String) throws {
        if rename(temporary, path) != 0 {
            let problem = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw InputError.cannotWrite(path: path, problem: problem)
        }
    }

    /// Throws unless the folder that will hold `path` exists, is a folder
    /// and is writable, and `path` itself is not a folder.
    public static func requireParentFolder(_ path: String) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError.cannotWrite(path: path, problem: "folder \(dir) does not exist")
        }
        guard access(dir, W_OK) == 0 else {
            throw InputError.cannotWrite(path: path, problem: "folder \(dir) is not writable")
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw InputError.cannotWrite(path: path, problem: "a folder of that name exists")
        }
    }

    /// Creates a folder (and its parents) if needed.
    public static func makeFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw InputError.cannotWrite(path: path, problem: "cannot create folder: \(error.localizedDescription)")
        }
    }
}

/// A process-wide counter for unique temporary names.
private final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
