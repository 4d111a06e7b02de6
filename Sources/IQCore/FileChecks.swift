import Foundation

/// Checks shared by every reader: the path names a readable regular file.
public enum FileChecks {
    /// Throws unless `path` is an existing, readable, regular file.
    /// - Returns: the file's size in bytes.
    @discardableResult
    public static func requireReadableFile(_ path: String) throws -> Int64 {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError.missingFile(path: path)
        }
        if isDirectory.boolValue { throw InputError.notAFile(path: path) }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw InputError.unreadable(path: path)
        }
        if let type = attributes[.type] as? FileAttributeType, type != .typeRegular {
            throw InputError.notAFile(path: path)
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw InputError.unreadable(path: path)
        }
        return (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// Reads a whole small file (manifests, band sets, JSON results) with a
    /// size cap so that a mistaken path to a huge file fails fast.
    public static func readSmallFile(_ path: String, maxBytes: Int64 = 64 << 20) throws -> Data {
        let size = try requireReadableFile(path)
        if size > maxBytes {
            throw InputError.invalidData(path: path, problem: "file is \(size) bytes, larger than the \(maxBytes)-byte limit for this kind of file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError.unreadable(path: path)
        }
        return data
    }

    /// Checks an output path before any work is done: it does not name one
    /// of the inputs, and the folder that will hold it exists, is writable
    /// and has no folder of that name. Commands call this for every output
    /// first, so that a mistyped path fails at once, not after the work (an
    /// `earl train` run of half an hour) and not after other outputs were
    /// written.
    public static func requireOutput(_ output: String, inputs: [String]) throws {
        try requireDistinct(output: output, inputs: inputs)
        try AtomicOutput.requireParentFolder(output)
    }

    /// `requireOutput` for each of a run's output files, after checking that
    /// no two of them share a path; nil entries (options not given) are skipped.
    public static func requireOutputs(_ outputs: [String?], inputs: [String]) throws {
        try requireDistinct(outputs: outputs)
        for output in outputs.compactMap({ $0 }) { try requireOutput(output, inputs: inputs) }
    }

    /// Checks an output folder before any work: it is a folder or can be made
    /// one (the nearest existing ancestor is a writable folder).
    public static func requireOutputFolder(_ folder: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw InputError.cannotWrite(path: folder, problem: "a file of that name exists; expected a folder") }
            guard access(folder, W_OK) == 0 else { throw InputError.cannotWrite(path: folder, problem: "folder is not writable") }
            return
        }
        var ancestor = URL(fileURLWithPath: folder).standardizedFileURL.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) { ancestor.deleteLastPathComponent() }
        guard isDirectory.boolValue else { throw InputError.cannotWrite(path: folder, problem: "\(ancestor.path) is a file, not a folder") }
        guard access(ancestor.path, W_OK) == 0 else { throw InputError.cannotWrite(path: folder, problem: "folder \(ancestor.path) is not writable") }
    }

    /// Refuses an output path that would overwrite one of the inputs.
    public static func requireDistinct(output: String, inputs: [String]) throws {
        let out = resolved(output)
        if let input = inputs.first(where: { resolved($0) == out }) {
            throw InputError.invalidSetting(name: output, problem: "output path is the same as the input \(input); inputs are never overwritten")
        }
    }

    /// Refuses two outputs of one run at the same path (files, or the folder
    /// of several), before any is written; nil entries (options not given)
    /// are skipped.
    public static func requireDistinct(outputs: [String?]) throws {
        var seen: [String: String] = [:]
        for output in outputs.compactMap({ $0 }) {
            if let first = seen.updateValue(output, forKey: resolved(output)) {
                throw InputError.invalidSetting(name: output, problem: "\(first) is written there too")
            }
        }
    }

    private static func resolved(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }
}
